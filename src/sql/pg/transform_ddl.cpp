// Schema changes: DROP, TRUNCATE, ALTER TABLE and its subcommands, RENAME, SET SCHEMA, and the
// CREATE statements whose objects the unit state tracks (tables, views, sequences, schemas,
// databases, rules). DROP ... CASCADE and TRUNCATE ... CASCADE reach objects the statement does
// not name, so they add `drop_cascade` beside the drop itself
// (https://www.postgresql.org/docs/15/ddl-depend.html).
#include <cctype>
#include <tuple>

#include "sql/known_functions.hpp"
#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

ObjectKind kind_of(ObjectType t) {
  switch (t) {
    case OBJECT_TABLE: return ObjectKind::table;
    case OBJECT_FOREIGN_TABLE: return ObjectKind::foreign_table;
    case OBJECT_VIEW: return ObjectKind::view;
    case OBJECT_MATVIEW: return ObjectKind::materialized_view;
    case OBJECT_SEQUENCE: return ObjectKind::sequence;
    case OBJECT_INDEX: return ObjectKind::index;
    case OBJECT_SCHEMA: return ObjectKind::schema;
    case OBJECT_DATABASE: return ObjectKind::database;
    case OBJECT_COLUMN: return ObjectKind::column;
    case OBJECT_FUNCTION:
    case OBJECT_AGGREGATE:
    case OBJECT_ROUTINE: return ObjectKind::function;
    case OBJECT_PROCEDURE: return ObjectKind::procedure;
    case OBJECT_TRIGGER: return ObjectKind::trigger;
    case OBJECT_EVENT_TRIGGER: return ObjectKind::event_trigger;
    case OBJECT_RULE: return ObjectKind::rule;
    case OBJECT_POLICY: return ObjectKind::policy;
    case OBJECT_TABCONSTRAINT:
    case OBJECT_DOMCONSTRAINT: return ObjectKind::constraint;
    case OBJECT_TYPE: return ObjectKind::type;
    case OBJECT_DOMAIN: return ObjectKind::domain;
    case OBJECT_EXTENSION: return ObjectKind::extension;
    case OBJECT_ROLE: return ObjectKind::role;
    case OBJECT_PUBLICATION: return ObjectKind::publication;
    case OBJECT_SUBSCRIPTION: return ObjectKind::subscription;
    case OBJECT_FOREIGN_SERVER: return ObjectKind::server;
    case OBJECT_TABLESPACE: return ObjectKind::tablespace;
    case OBJECT_LARGEOBJECT: return ObjectKind::large_object;
    default: return ObjectKind::other;
  }
}

std::string upper_kind(ObjectKind k) {
  std::string s(to_string(k));
  for (auto& c : s) c = (c == '_') ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The object a DROP names: a String list (qualified name), an ObjectWithArgs (functions,
// operators), a TypeName, or a String (schemas, extensions, ...).
ObjectName dropped_name(const Node* n) {
  if (n == nullptr) return {};
  switch (nodeTag(n)) {
    case T_List: return name_of_list(reinterpret_cast<const List*>(n));
    case T_ObjectWithArgs: return name_of_list(get<ObjectWithArgs>(n).objname);
    case T_TypeName: return name_of_list(get<TypeName>(n).names);
    case T_String: return ObjectName{"", std::string(string_of(n))};
    default: return {};
  }
}

// DROP TRIGGER/RULE/POLICY name ON table: the list is [schema.]table.name. The object is the
// table (per-table rules protect what is attached to it); the member is the trigger's name.
std::pair<ObjectName, std::string> dropped_member(const Node* n) {
  const List* l = n != nullptr && IsA(n, List) ? reinterpret_cast<const List*>(n) : nullptr;
  const NodeList items = nodes(l);
  if (items.size() < 2) return {dropped_name(n), ""};
  return {name_of_list(l, items.size() - 1), std::string(string_of(items[items.size() - 1]))};
}

Action drop_action(ObjectType t) {
  switch (t) {
    case OBJECT_TABLE:
    case OBJECT_FOREIGN_TABLE: return Action::drop_table;
    case OBJECT_SCHEMA: return Action::drop_schema;
    case OBJECT_SEQUENCE: return Action::drop_sequence;
    case OBJECT_POLICY:
    case OBJECT_EVENT_TRIGGER: return Action::disable_safeguard;
    default: return Action::drop_object;
  }
}

void drop(Context& ctx, const DropStmt& s) {
  const ObjectKind kind = kind_of(s.removeType);
  const bool cascade = s.behavior == DROP_CASCADE;
  const Action action = drop_action(s.removeType);
  const bool member = s.removeType == OBJECT_TRIGGER || s.removeType == OBJECT_RULE || s.removeType == OBJECT_POLICY;
  const std::string verb = "DROP " + upper_kind(kind);
  for (const Node* object : nodes(s.objects)) {
    auto [name, member_name] = member ? dropped_member(object) : std::make_pair(dropped_name(object), std::string());
    ctx.add(action, kind, name, verb).member = member_name;
    if (cascade) ctx.add(Action::drop_cascade, kind, name, verb + " ... CASCADE").member = member_name;
  }
  if (s.objects == NIL) ctx.add(action, kind, {}, verb);
}

void truncate(Context& ctx, const TruncateStmt& s) {
  const bool cascade = s.behavior == DROP_CASCADE;
  for (const Node* n : nodes(s.relations)) {
    const auto* rv = as<RangeVar>(n, T_RangeVar);
    if (rv == nullptr) continue;
    const ObjectName name = name_of(rv);
    auto& e = ctx.add(is_system_catalog(name) ? Action::write_catalog : Action::truncate, ObjectKind::table, name,
                      "TRUNCATE");
    e.mutation = Mutation::truncate;
    e.only = !rv->inh;
    e.cascade = cascade;
    if (cascade) ctx.add(Action::drop_cascade, ObjectKind::table, name_of(rv), "TRUNCATE ... CASCADE");
  }
}

void alter_table(Context& ctx, const AlterTableStmt& s) {
  const ObjectName table = name_of(s.relation);
  const ObjectKind kind = kind_of(s.objtype);
  const bool only = s.relation != nullptr && !s.relation->inh;  // ALTER TABLE ONLY: not the children
  for (const Node* n : nodes(s.cmds)) {
    const auto* c = as<AlterTableCmd>(n, T_AlterTableCmd);
    if (c == nullptr) continue;
    const std::string col(text(c->name));
    const bool cascade = c->behavior == DROP_CASCADE;
    auto add = [&](Action a, std::string verb, bool with_column) -> Effect& {
      auto& e = ctx.add(a, kind, table, std::move(verb));
      if (with_column && !col.empty()) e.columns = {col};
      e.only = only;
      return e;
    };
    switch (c->subtype) {
      case AT_DropColumn:
      case AT_DropColumnRecurse:
        add(Action::drop_column, "ALTER TABLE ... DROP COLUMN", true);
        if (cascade) add(Action::drop_cascade, "ALTER TABLE ... DROP COLUMN ... CASCADE", true);
        break;
      case AT_AlterColumnType:
        add(Action::alter_column_type, "ALTER TABLE ... ALTER COLUMN ... TYPE", true);
        break;
      case AT_DropConstraint:
      case AT_DropConstraintRecurse:
        add(Action::drop_object, "ALTER TABLE ... DROP CONSTRAINT", false).member = col;
        if (cascade) add(Action::drop_cascade, "ALTER TABLE ... DROP CONSTRAINT ... CASCADE", false).member = col;
        break;
      case AT_DropNotNull:
        add(Action::drop_object, "ALTER TABLE ... DROP NOT NULL", true);
        break;
      case AT_DropIdentity:
        add(Action::drop_object, "ALTER TABLE ... DROP IDENTITY", true);
        break;
      case AT_DropExpression:
        add(Action::drop_object, "ALTER TABLE ... DROP EXPRESSION", true);
        break;
      case AT_DisableTrig:
      case AT_DisableTrigAll:
      case AT_DisableTrigUser:
        add(Action::disable_safeguard, "ALTER TABLE ... DISABLE TRIGGER", false);
        break;
      case AT_DisableRule:
        add(Action::disable_safeguard, "ALTER TABLE ... DISABLE RULE", false);
        break;
      case AT_EnableReplicaTrig:
        // A replica trigger fires only while session_replication_role = replica: off otherwise.
        add(Action::disable_safeguard, "ALTER TABLE ... ENABLE REPLICA TRIGGER", false);
        break;
      case AT_EnableReplicaRule:
        add(Action::disable_safeguard, "ALTER TABLE ... ENABLE REPLICA RULE", false);
        break;
      case AT_AddInherit: {
        // The table becomes a child: its parent's DELETE, UPDATE and TRUNCATE reach its rows.
        auto& e = add(Action::attach_table, "ALTER TABLE ... INHERIT", false);
        e.fact = UnitFact::inherit;
        e.relations.push_back(name_of(as<RangeVar>(c->def, T_RangeVar)));
        break;
      }
      case AT_DropInherit: {
        auto& e = add(Action::ddl_create, "ALTER TABLE ... NO INHERIT", false);
        e.fact = UnitFact::no_inherit;
        e.relations.push_back(name_of(as<RangeVar>(c->def, T_RangeVar)));
        break;
      }
      case AT_AttachPartition: {
        const auto* part = as<PartitionCmd>(c->def, T_PartitionCmd);
        auto& e = ctx.add(Action::attach_table, ObjectKind::table, part != nullptr ? name_of(part->name) : ObjectName{},
                          "ALTER TABLE ... ATTACH PARTITION");
        e.fact = UnitFact::inherit;
        e.relations.push_back(table);
        break;
      }
      case AT_AddConstraint:
      case AT_AddConstraintRecurse:
        add(Action::ddl_create, "ALTER " + upper_kind(kind), false);
        foreign_key_effects(ctx, table, as<Constraint>(c->def, T_Constraint), "");
        break;
      case AT_AddColumn:
      case AT_AddColumnRecurse:
        add(Action::ddl_create, "ALTER " + upper_kind(kind), false);
        column_foreign_keys(ctx, table, as<ColumnDef>(c->def, T_ColumnDef));
        break;
      case AT_SetUnLogged:
        add(Action::disable_safeguard, "ALTER TABLE ... SET UNLOGGED", false);
        break;
      case AT_DisableRowSecurity:
        add(Action::disable_safeguard, "ALTER TABLE ... DISABLE ROW LEVEL SECURITY", false);
        break;
      case AT_NoForceRowSecurity:
        add(Action::disable_safeguard, "ALTER TABLE ... NO FORCE ROW LEVEL SECURITY", false);
        break;
      case AT_DetachPartition:
      case AT_DetachPartitionFinalize: {
        const auto* part = as<PartitionCmd>(c->def, T_PartitionCmd);
        auto& e = ctx.add(Action::ddl_create, ObjectKind::table, part != nullptr ? name_of(part->name) : ObjectName{},
                          "ALTER TABLE ... DETACH PARTITION");
        e.fact = UnitFact::no_inherit;
        e.relations.push_back(table);
        break;
      }
      default:
        add(Action::ddl_create, "ALTER " + upper_kind(kind), false);
        break;
    }
    walk(ctx, c->def);
  }
  if (s.cmds == NIL) ctx.add(Action::ddl_create, kind, table, "ALTER " + upper_kind(kind));
}

// Renames that break the code which refers to the object by name are `rename`; renaming an
// index, constraint, trigger or policy is bookkeeping (`ddl_create`).
bool rename_breaks_callers(ObjectType t) {
  switch (t) {
    case OBJECT_TABLE:
    case OBJECT_FOREIGN_TABLE:
    case OBJECT_VIEW:
    case OBJECT_MATVIEW:
    case OBJECT_SEQUENCE:
    case OBJECT_COLUMN:
    case OBJECT_ATTRIBUTE:
    case OBJECT_SCHEMA:
    case OBJECT_DATABASE:
    case OBJECT_FUNCTION:
    case OBJECT_PROCEDURE:
    case OBJECT_ROUTINE:
    case OBJECT_AGGREGATE:
    case OBJECT_TYPE:
    case OBJECT_DOMAIN:
      return true;
    default:
      return false;
  }
}

bool is_routine(ObjectType t) {
  return t == OBJECT_FUNCTION || t == OBJECT_PROCEDURE || t == OBJECT_ROUTINE || t == OBJECT_AGGREGATE;
}

// Renaming or moving one of PostgreSQL's own functions gives it a name pgwarden does not know
// (lo_unlink as lo_safe): only a superuser can, and it is refused as changing server code.
void builtin_routine_moved(Context& ctx, ObjectType type, const Node* object, const char* verb) {
  if (!is_routine(type)) return;
  const ObjectName name = dropped_name(object);
  if ((name.schema.empty() || name.schema == "pg_catalog") && is_builtin_function(name.name)) {
    ctx.add(Action::load_code, ObjectKind::function, name, verb);
  }
}

void rename(Context& ctx, const RenameStmt& s) {
  const std::string new_name(text(s.newname));
  builtin_routine_moved(ctx, s.renameType, s.object, "ALTER FUNCTION ... RENAME of a built-in function");
  const Action action = rename_breaks_callers(s.renameType) ? Action::rename : Action::ddl_create;
  if (s.renameType == OBJECT_COLUMN || s.renameType == OBJECT_ATTRIBUTE) {
    const ObjectName table = s.relation != nullptr ? name_of(s.relation) : dropped_name(s.object);
    auto& e = ctx.add(action, ObjectKind::column, table, "ALTER TABLE ... RENAME COLUMN");
    e.columns = {std::string(text(s.subname))};
    e.new_name = ObjectName{"", new_name};
    return;
  }
  ObjectName object;
  std::string member_name;
  if (s.relation != nullptr) {
    object = name_of(s.relation);
    // RENAME of a trigger, rule, policy or constraint ON a table: subname is the member.
    member_name = text(s.subname);
  } else if (s.object != nullptr) {
    if (s.renameType == OBJECT_TRIGGER || s.renameType == OBJECT_RULE || s.renameType == OBJECT_POLICY) {
      std::tie(object, member_name) = dropped_member(s.object);
    } else {
      object = dropped_name(s.object);
    }
  } else {
    object = ObjectName{"", std::string(text(s.subname))};  // schemas, databases, roles
  }
  const ObjectKind kind = kind_of(s.renameType);
  if (s.renameType == OBJECT_ROLE) {
    ctx.add(Action::privilege, kind, object, "ALTER ROLE ... RENAME");
    return;
  }
  auto& e = ctx.add(action, kind, object, "ALTER " + upper_kind(kind) + " ... RENAME");
  e.member = member_name;
  // A renamed table keeps its schema; a renamed member keeps its table.
  e.new_name = member_name.empty() ? ObjectName{object.schema, new_name} : ObjectName{"", new_name};
}

void set_schema(Context& ctx, const AlterObjectSchemaStmt& s) {
  builtin_routine_moved(ctx, s.objectType, s.object, "ALTER FUNCTION ... SET SCHEMA of a built-in function");
  const ObjectName object = s.relation != nullptr ? name_of(s.relation) : dropped_name(s.object);
  const ObjectKind kind = kind_of(s.objectType);
  const Action action = rename_breaks_callers(s.objectType) ? Action::rename : Action::ddl_create;
  auto& e = ctx.add(action, kind, object, "ALTER " + upper_kind(kind) + " ... SET SCHEMA");
  e.new_name = ObjectName{std::string(text(s.newschema)), object.name};
}

// `exists_ok` (IF NOT EXISTS, OR REPLACE): the object may already have existed, so the unit
// cannot count it as its own.
Effect& created(Context& ctx, ObjectKind kind, ObjectName name, std::string verb, bool temp = false,
                bool exists_ok = false) {
  auto& e = ctx.add(Action::ddl_create, kind, std::move(name), std::move(verb));
  e.creates = !exists_ok;
  e.temporary = temp;
  return e;
}

bool is_temp(const RangeVar* rv) { return rv != nullptr && rv->relpersistence == 't'; }  // RELPERSISTENCE_TEMP

ObjectName named(const char* name) { return ObjectName{"", std::string(text(name))}; }

}  // namespace

bool transform_ddl(Context& ctx, const Node* node) {
  const NestScope nest(ctx);
  switch (nodeTag(node)) {
    case T_DropStmt: drop(ctx, get<DropStmt>(node)); return true;
    case T_TruncateStmt: truncate(ctx, get<TruncateStmt>(node)); return true;
    case T_AlterTableStmt: alter_table(ctx, get<AlterTableStmt>(node)); return true;
    case T_RenameStmt: rename(ctx, get<RenameStmt>(node)); return true;
    case T_AlterObjectSchemaStmt: set_schema(ctx, get<AlterObjectSchemaStmt>(node)); return true;
    case T_DropdbStmt:
      ctx.add(Action::drop_database, ObjectKind::database, named(get<DropdbStmt>(node).dbname), "DROP DATABASE");
      return true;
    case T_DropOwnedStmt:
      // DROP OWNED drops every object the roles own, in every schema of the database.
      for (const Node* r : nodes(get<DropOwnedStmt>(node).roles)) {
        const auto* spec = as<RoleSpec>(r, T_RoleSpec);
        ctx.add(Action::drop_cascade, ObjectKind::role, named(spec != nullptr ? spec->rolename : nullptr),
                "DROP OWNED");
      }
      return true;
    case T_CreateStmt: {
      const auto& s = get<CreateStmt>(node);
      auto& e = created(ctx, ObjectKind::table, name_of(s.relation), "CREATE TABLE", is_temp(s.relation),
                        s.if_not_exists);
      e.on_commit_drop = s.oncommit == ONCOMMIT_DROP;
      walk(ctx, s.tableElts);
      walk(ctx, s.constraints);
      return true;
    }
    case T_CreateForeignTableStmt: {
      const auto& s = get<CreateForeignTableStmt>(node);
      auto& e = created(ctx, ObjectKind::foreign_table, name_of(s.base.relation), "CREATE FOREIGN TABLE", false,
                        s.base.if_not_exists);
      foreign_table_fact(e, s);
      return true;
    }
    case T_CreateForeignServerStmt:
      foreign_server_fact(ctx, get<CreateForeignServerStmt>(node));
      return true;
    case T_ImportForeignSchemaStmt: {
      import_foreign_schema_fact(ctx, get<ImportForeignSchemaStmt>(node));
      return true;
    }
    case T_CreateTableAsStmt: {
      const auto& s = get<CreateTableAsStmt>(node);
      const RangeVar* rel = s.into != nullptr ? s.into->rel : nullptr;
      const bool matview = s.objtype == OBJECT_MATVIEW;
      created(ctx, matview ? ObjectKind::materialized_view : ObjectKind::table, name_of(rel),
              matview ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS", is_temp(rel), s.if_not_exists);
      transform_statement(ctx, s.query);
      return true;
    }
    case T_ViewStmt: {
      const auto& s = get<ViewStmt>(node);
      auto& e = created(ctx, ObjectKind::view, name_of(s.view), "CREATE VIEW", is_temp(s.view), s.replace);
      view_fact(e, s.query, s.aliases);
      transform_statement(ctx, s.query);
      return true;
    }
    case T_CreateSeqStmt: {
      const auto& s = get<CreateSeqStmt>(node);
      created(ctx, ObjectKind::sequence, name_of(s.sequence), "CREATE SEQUENCE", is_temp(s.sequence),
              s.if_not_exists);
      return true;
    }
    case T_IndexStmt: {
      const auto& s = get<IndexStmt>(node);
      ctx.add(Action::ddl_create, ObjectKind::index, name_of(s.relation), "CREATE INDEX");
      walk(ctx, s.indexParams);
      walk(ctx, s.whereClause);
      return true;
    }
    case T_CreateSchemaStmt: {
      const auto& s = get<CreateSchemaStmt>(node);
      created(ctx, ObjectKind::schema, named(s.schemaname), "CREATE SCHEMA", false, s.if_not_exists);
      for (const Node* element : nodes(s.schemaElts)) transform_statement(ctx, element);
      return true;
    }
    case T_CreateEnumStmt:
      created(ctx, ObjectKind::type, name_of_list(get<CreateEnumStmt>(node).typeName), "CREATE TYPE ... AS ENUM");
      return true;
    case T_CompositeTypeStmt:
      created(ctx, ObjectKind::type, name_of(get<CompositeTypeStmt>(node).typevar), "CREATE TYPE");
      return true;
    case T_CreateDomainStmt: {
      const auto& s = get<CreateDomainStmt>(node);
      created(ctx, ObjectKind::domain, name_of_list(s.domainname), "CREATE DOMAIN");
      walk(ctx, s.constraints);
      return true;
    }
    case T_CreatedbStmt:
      created(ctx, ObjectKind::database, named(get<CreatedbStmt>(node).dbname), "CREATE DATABASE");
      return true;
    case T_RuleStmt: {
      // A rule's actions run in place of (or beside) every matching statement on the table.
      const auto& s = get<RuleStmt>(node);
      ctx.add(Action::ddl_create, ObjectKind::rule, name_of(s.relation), "CREATE RULE");
      if (s.event == CMD_SELECT && s.instead && nodes(s.actions).size() == 1) {
        // A "_RETURN" rule makes the table a view of its SELECT: writes reach what that names.
        auto& v = ctx.add(Action::ddl_create, ObjectKind::view, name_of(s.relation), "CREATE RULE ... ON SELECT");
        view_fact(v, nodes(s.actions)[0], NIL);
      }
      walk(ctx, s.whereClause);
      const ViaScope scope(ctx, Via::rule, std::string(text(s.rulename)));
      for (const Node* action : nodes(s.actions)) transform_statement(ctx, action);
      return true;
    }
    case T_CreateTrigStmt:
      create_trigger(ctx, get<CreateTrigStmt>(node));
      return true;
    case T_AlterDomainStmt: {
      const auto& s = get<AlterDomainStmt>(node);
      const ObjectName name = name_of_list(s.typeName);
      const bool cascade = s.behavior == DROP_CASCADE;
      if (s.subtype == 'X' || s.subtype == 'N') {
        ctx.add(Action::drop_object, ObjectKind::domain, name,
                s.subtype == 'X' ? "ALTER DOMAIN ... DROP CONSTRAINT" : "ALTER DOMAIN ... DROP NOT NULL");
        if (cascade) ctx.add(Action::drop_cascade, ObjectKind::domain, name, "ALTER DOMAIN ... CASCADE");
      } else {
        ctx.add(Action::ddl_create, ObjectKind::domain, name, "ALTER DOMAIN");
        walk(ctx, s.def);
      }
      return true;
    }
    case T_AlterEventTrigStmt: {
      const auto& s = get<AlterEventTrigStmt>(node);
      const bool disable = s.tgenabled == 'D';  // TRIGGER_DISABLED
      ctx.add(disable ? Action::disable_safeguard : Action::ddl_create, ObjectKind::event_trigger, named(s.trigname),
              disable ? "ALTER EVENT TRIGGER ... DISABLE" : "ALTER EVENT TRIGGER");
      return true;
    }
    case T_AlterEnumStmt: {
      const auto& s = get<AlterEnumStmt>(node);
      if (s.oldVal == nullptr) {
        ctx.add(Action::ddl_create, ObjectKind::type, name_of_list(s.typeName), "ALTER TYPE ... ADD VALUE");
        return true;
      }
      // The member is the value renamed; rows that hold it now read the new value.
      auto& e = ctx.add(Action::rename, ObjectKind::type, name_of_list(s.typeName), "ALTER TYPE ... RENAME VALUE");
      e.member = s.oldVal;
      e.new_name = named(s.newVal);
      return true;
    }
    case T_RefreshMatViewStmt:
      ctx.add(Action::write, ObjectKind::materialized_view, name_of(get<RefreshMatViewStmt>(node).relation),
              "REFRESH MATERIALIZED VIEW");
      return true;
    case T_DropTableSpaceStmt:
      ctx.add(Action::drop_object, ObjectKind::tablespace, named(get<DropTableSpaceStmt>(node).tablespacename),
              "DROP TABLESPACE");
      return true;
    case T_DropSubscriptionStmt: {
      const auto& s = get<DropSubscriptionStmt>(node);
      ctx.add(Action::drop_object, ObjectKind::subscription, named(s.subname), "DROP SUBSCRIPTION");
      if (s.behavior == DROP_CASCADE) {
        ctx.add(Action::drop_cascade, ObjectKind::subscription, named(s.subname), "DROP SUBSCRIPTION ... CASCADE");
      }
      return true;
    }
    case T_DropUserMappingStmt:
      ctx.add(Action::drop_object, ObjectKind::other, {}, "DROP USER MAPPING");
      return true;
    default:
      return false;
  }
}

}  // namespace pgwarden::sql::pg
