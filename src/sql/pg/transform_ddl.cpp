// Schema changes: DROP, TRUNCATE, ALTER TABLE and its subcommands, RENAME, SET SCHEMA, and the
// CREATE statements whose objects the unit state tracks (tables, views, sequences, schemas,
// databases, rules). DROP ... CASCADE and TRUNCATE ... CASCADE reach objects the statement does
// not name, so they add `drop_cascade` beside the drop itself
// (https://www.postgresql.org/docs/15/ddl-depend.html).
#include <tuple>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

ObjectKind kind_of(PgQuery__ObjectType t) {
  switch (t) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: return ObjectKind::table;
    case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE: return ObjectKind::foreign_table;
    case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: return ObjectKind::view;
    case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: return ObjectKind::materialized_view;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: return ObjectKind::sequence;
    case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: return ObjectKind::index;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: return ObjectKind::schema;
    case PG_QUERY__OBJECT_TYPE__OBJECT_DATABASE: return ObjectKind::database;
    case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN: return ObjectKind::column;
    case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
    case PG_QUERY__OBJECT_TYPE__OBJECT_AGGREGATE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE: return ObjectKind::function;
    case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE: return ObjectKind::procedure;
    case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER: return ObjectKind::trigger;
    case PG_QUERY__OBJECT_TYPE__OBJECT_EVENT_TRIGGER: return ObjectKind::event_trigger;
    case PG_QUERY__OBJECT_TYPE__OBJECT_RULE: return ObjectKind::rule;
    case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY: return ObjectKind::policy;
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT:
    case PG_QUERY__OBJECT_TYPE__OBJECT_DOMCONSTRAINT: return ObjectKind::constraint;
    case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE: return ObjectKind::type;
    case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN: return ObjectKind::domain;
    case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION: return ObjectKind::extension;
    case PG_QUERY__OBJECT_TYPE__OBJECT_ROLE: return ObjectKind::role;
    case PG_QUERY__OBJECT_TYPE__OBJECT_PUBLICATION: return ObjectKind::publication;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SUBSCRIPTION: return ObjectKind::subscription;
    case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_SERVER: return ObjectKind::server;
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLESPACE: return ObjectKind::tablespace;
    case PG_QUERY__OBJECT_TYPE__OBJECT_LARGEOBJECT: return ObjectKind::large_object;
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
ObjectName dropped_name(const PgQuery__Node* n) {
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_LIST: return name_of_list(n->list);
    case PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS:
      return name_of_list(n->object_with_args->objname, n->object_with_args->n_objname);
    case PG_QUERY__NODE__NODE_TYPE_NAME: return name_of_list(n->type_name->names, n->type_name->n_names);
    case PG_QUERY__NODE__NODE_STRING: return ObjectName{"", std::string(string_of(n))};
    default: return {};
  }
}

// DROP TRIGGER/RULE/POLICY name ON table: the list is [schema.]table.name. The object is the
// table (per-table rules protect what is attached to it); the member is the trigger's name.
std::pair<ObjectName, std::string> dropped_member(const PgQuery__Node* n) {
  if (n->node_case != PG_QUERY__NODE__NODE_LIST || n->list->n_items < 2) return {dropped_name(n), ""};
  const auto* l = n->list;
  return {name_of_list(l->items, l->n_items - 1), std::string(string_of(l->items[l->n_items - 1]))};
}

Action drop_action(PgQuery__ObjectType t) {
  switch (t) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE: return Action::drop_table;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: return Action::drop_schema;
    case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: return Action::drop_sequence;
    case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY:
    case PG_QUERY__OBJECT_TYPE__OBJECT_EVENT_TRIGGER: return Action::disable_safeguard;
    default: return Action::drop_object;
  }
}

void drop(Context& ctx, const PgQuery__DropStmt* s) {
  const ObjectKind kind = kind_of(s->remove_type);
  const bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  const Action action = drop_action(s->remove_type);
  const bool member = s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER ||
                      s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_RULE ||
                      s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_POLICY;
  const std::string verb = "DROP " + upper_kind(kind);
  for (std::size_t i = 0; i < s->n_objects; ++i) {
    auto [name, member_name] = member ? dropped_member(s->objects[i])
                                      : std::make_pair(dropped_name(s->objects[i]), std::string());
    ctx.add(action, kind, name, verb).member = member_name;
    if (cascade) ctx.add(Action::drop_cascade, kind, name, verb + " ... CASCADE").member = member_name;
  }
  if (s->n_objects == 0) ctx.add(action, kind, {}, verb);
}

void truncate(Context& ctx, const PgQuery__TruncateStmt* s) {
  const bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  for (std::size_t i = 0; i < s->n_relations; ++i) {
    const auto* n = s->relations[i];
    if (n->node_case != PG_QUERY__NODE__NODE_RANGE_VAR) continue;
    auto& e = ctx.add(Action::truncate, ObjectKind::table, name_of(n->range_var), "TRUNCATE");
    e.mutation = Mutation::truncate;
    if (cascade) ctx.add(Action::drop_cascade, ObjectKind::table, name_of(n->range_var), "TRUNCATE ... CASCADE");
  }
}

void alter_table(Context& ctx, const PgQuery__AlterTableStmt* s) {
  const ObjectName table = name_of(s->relation);
  const ObjectKind kind = kind_of(s->objtype);
  for (std::size_t i = 0; i < s->n_cmds; ++i) {
    if (s->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD) continue;
    const auto* c = s->cmds[i]->alter_table_cmd;
    const std::string col = c->name != nullptr ? c->name : "";
    const bool cascade = c->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
    auto add = [&](Action a, std::string verb, bool with_column) -> Effect& {
      auto& e = ctx.add(a, kind, table, std::move(verb));
      if (with_column && !col.empty()) e.columns = {col};
      return e;
    };
    switch (c->subtype) {
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumnRecurse:
        add(Action::drop_column, "ALTER TABLE ... DROP COLUMN", true);
        if (cascade) add(Action::drop_cascade, "ALTER TABLE ... DROP COLUMN ... CASCADE", true);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
        add(Action::alter_column_type, "ALTER TABLE ... ALTER COLUMN ... TYPE", true);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraintRecurse:
        add(Action::drop_object, "ALTER TABLE ... DROP CONSTRAINT", false).member = col;
        if (cascade) add(Action::drop_cascade, "ALTER TABLE ... DROP CONSTRAINT ... CASCADE", false).member = col;
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
        add(Action::drop_object, "ALTER TABLE ... DROP NOT NULL", true);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropIdentity:
        add(Action::drop_object, "ALTER TABLE ... DROP IDENTITY", true);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropExpression:
        add(Action::drop_object, "ALTER TABLE ... DROP EXPRESSION", true);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrig:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigAll:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigUser:
        add(Action::disable_safeguard, "ALTER TABLE ... DISABLE TRIGGER", false);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableRule:
        add(Action::disable_safeguard, "ALTER TABLE ... DISABLE RULE", false);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged:
        add(Action::disable_safeguard, "ALTER TABLE ... SET UNLOGGED", false);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableRowSecurity:
        add(Action::disable_safeguard, "ALTER TABLE ... DISABLE ROW LEVEL SECURITY", false);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_NoForceRowSecurity:
        add(Action::disable_safeguard, "ALTER TABLE ... NO FORCE ROW LEVEL SECURITY", false);
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartitionFinalize:
        add(Action::ddl_create, "ALTER TABLE ... DETACH PARTITION", false);
        break;
      default:
        add(Action::ddl_create, "ALTER " + upper_kind(kind), false);
        break;
    }
    walk(ctx, c->def);
  }
  if (s->n_cmds == 0) ctx.add(Action::ddl_create, kind, table, "ALTER " + upper_kind(kind));
}

// Renames that break the code which refers to the object by name are `rename`; renaming an
// index, constraint, trigger or policy is bookkeeping (`ddl_create`).
bool rename_breaks_callers(PgQuery__ObjectType t) {
  switch (t) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
    case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
    case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
    case PG_QUERY__OBJECT_TYPE__OBJECT_ATTRIBUTE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
    case PG_QUERY__OBJECT_TYPE__OBJECT_DATABASE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
    case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_AGGREGATE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
    case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
      return true;
    default:
      return false;
  }
}

void rename(Context& ctx, const PgQuery__RenameStmt* s) {
  const std::string new_name = s->newname != nullptr ? s->newname : "";
  const Action action = rename_breaks_callers(s->rename_type) ? Action::rename : Action::ddl_create;
  if (s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN ||
      s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_ATTRIBUTE) {
    const ObjectName table = s->relation != nullptr ? name_of(s->relation) : dropped_name(s->object);
    auto& e = ctx.add(action, ObjectKind::column, table, "ALTER TABLE ... RENAME COLUMN");
    e.columns = {s->subname != nullptr ? s->subname : ""};
    e.new_name = ObjectName{"", new_name};
    return;
  }
  ObjectName object;
  std::string member_name;
  if (s->relation != nullptr) {
    object = name_of(s->relation);
    // RENAME of a trigger, rule, policy or constraint ON a table: subname is the member.
    if (s->subname != nullptr) member_name = s->subname;
  } else if (s->object != nullptr) {
    if (s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER || s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_RULE ||
        s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_POLICY) {
      std::tie(object, member_name) = dropped_member(s->object);
    } else {
      object = dropped_name(s->object);
    }
  } else if (s->subname != nullptr) {
    object = ObjectName{"", s->subname};  // schemas, databases, roles
  }
  const ObjectKind kind = kind_of(s->rename_type);
  if (s->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_ROLE) {
    ctx.add(Action::privilege, kind, object, "ALTER ROLE ... RENAME");
    return;
  }
  auto& e = ctx.add(action, kind, object, "ALTER " + upper_kind(kind) + " ... RENAME");
  e.member = member_name;
  // A renamed table keeps its schema; a renamed member keeps its table.
  e.new_name = member_name.empty() ? ObjectName{object.schema, new_name} : ObjectName{"", new_name};
}

void set_schema(Context& ctx, const PgQuery__AlterObjectSchemaStmt* s) {
  const ObjectName object = s->relation != nullptr ? name_of(s->relation)
                            : s->object != nullptr ? dropped_name(s->object)
                                                   : ObjectName{};
  const ObjectKind kind = kind_of(s->object_type);
  const Action action = rename_breaks_callers(s->object_type) ? Action::rename : Action::ddl_create;
  auto& e = ctx.add(action, kind, object, "ALTER " + upper_kind(kind) + " ... SET SCHEMA");
  e.new_name = ObjectName{s->newschema != nullptr ? s->newschema : "", object.name};
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

bool is_temp(const PgQuery__RangeVar* rv) {
  return rv != nullptr && rv->relpersistence != nullptr && rv->relpersistence[0] == 't';
}

}  // namespace

bool transform_ddl(Context& ctx, const PgQuery__Node* node) {
  const NestScope nest(ctx);
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_DROP_STMT: drop(ctx, node->drop_stmt); return true;
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT: truncate(ctx, node->truncate_stmt); return true;
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: alter_table(ctx, node->alter_table_stmt); return true;
    case PG_QUERY__NODE__NODE_RENAME_STMT: rename(ctx, node->rename_stmt); return true;
    case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
      set_schema(ctx, node->alter_object_schema_stmt);
      return true;
    case PG_QUERY__NODE__NODE_DROPDB_STMT: {
      const auto* s = node->dropdb_stmt;
      ctx.add(Action::drop_database, ObjectKind::database, ObjectName{"", s->dbname ? s->dbname : ""},
              "DROP DATABASE");
      return true;
    }
    case PG_QUERY__NODE__NODE_DROP_OWNED_STMT: {
      // DROP OWNED drops every object the roles own, in every schema of the database.
      const auto* s = node->drop_owned_stmt;
      for (std::size_t i = 0; i < s->n_roles; ++i) {
        const auto* r = s->roles[i];
        std::string role = r->node_case == PG_QUERY__NODE__NODE_ROLE_SPEC && r->role_spec->rolename
                               ? r->role_spec->rolename
                               : "";
        ctx.add(Action::drop_cascade, ObjectKind::role, ObjectName{"", role}, "DROP OWNED");
      }
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_STMT: {
      const auto* s = node->create_stmt;
      created(ctx, ObjectKind::table, name_of(s->relation), "CREATE TABLE", is_temp(s->relation),
              s->if_not_exists);
      walk_all(ctx, s->table_elts, s->n_table_elts);
      walk_all(ctx, s->constraints, s->n_constraints);
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT: {
      const auto* s = node->create_foreign_table_stmt;
      const auto* rel = s->base_stmt != nullptr ? s->base_stmt->relation : nullptr;
      created(ctx, ObjectKind::foreign_table, name_of(rel), "CREATE FOREIGN TABLE", false,
              s->base_stmt != nullptr && s->base_stmt->if_not_exists);
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT: {
      const auto* s = node->create_table_as_stmt;
      const auto* rel = s->into != nullptr ? s->into->rel : nullptr;
      const bool matview = s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW;
      created(ctx, matview ? ObjectKind::materialized_view : ObjectKind::table, name_of(rel),
              matview ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS", is_temp(rel), s->if_not_exists);
      transform_statement(ctx, s->query);
      return true;
    }
    case PG_QUERY__NODE__NODE_VIEW_STMT: {
      const auto* s = node->view_stmt;
      created(ctx, ObjectKind::view, name_of(s->view), "CREATE VIEW", is_temp(s->view), s->replace);
      transform_statement(ctx, s->query);
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT: {
      const auto* s = node->create_seq_stmt;
      created(ctx, ObjectKind::sequence, name_of(s->sequence), "CREATE SEQUENCE", is_temp(s->sequence),
              s->if_not_exists);
      return true;
    }
    case PG_QUERY__NODE__NODE_INDEX_STMT: {
      const auto* s = node->index_stmt;
      auto& e = ctx.add(Action::ddl_create, ObjectKind::index, name_of(s->relation), "CREATE INDEX");
      (void)e;
      walk_all(ctx, s->index_params, s->n_index_params);
      walk(ctx, s->where_clause);
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT: {
      const auto* s = node->create_schema_stmt;
      created(ctx, ObjectKind::schema, ObjectName{"", s->schemaname ? s->schemaname : ""}, "CREATE SCHEMA", false,
              s->if_not_exists);
      for (std::size_t i = 0; i < s->n_schema_elts; ++i) transform_statement(ctx, s->schema_elts[i]);
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT: {
      const auto* s = node->create_enum_stmt;
      created(ctx, ObjectKind::type, name_of_list(s->type_name, s->n_type_name), "CREATE TYPE ... AS ENUM");
      return true;
    }
    case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT: {
      const auto* s = node->composite_type_stmt;
      created(ctx, ObjectKind::type, name_of(s->typevar), "CREATE TYPE");
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT: {
      const auto* s = node->create_domain_stmt;
      created(ctx, ObjectKind::domain, name_of_list(s->domainname, s->n_domainname), "CREATE DOMAIN");
      walk_all(ctx, s->constraints, s->n_constraints);
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATEDB_STMT: {
      const auto* s = node->createdb_stmt;
      created(ctx, ObjectKind::database, ObjectName{"", s->dbname ? s->dbname : ""}, "CREATE DATABASE");
      return true;
    }
    case PG_QUERY__NODE__NODE_RULE_STMT: {
      // A rule's actions run in place of (or beside) every matching statement on the table.
      const auto* s = node->rule_stmt;
      ctx.add(Action::ddl_create, ObjectKind::rule, name_of(s->relation), "CREATE RULE");
      walk(ctx, s->where_clause);
      const ViaScope scope(ctx, Via::rule, s->rulename != nullptr ? s->rulename : "");
      for (std::size_t i = 0; i < s->n_actions; ++i) transform_statement(ctx, s->actions[i]);
      return true;
    }
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT: {
      const auto* s = node->create_trig_stmt;
      ctx.add(Action::ddl_create, ObjectKind::trigger, name_of(s->relation), "CREATE TRIGGER");
      walk(ctx, s->when_clause);
      return true;
    }
    case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT: {
      const auto* s = node->alter_domain_stmt;
      const ObjectName name = name_of_list(s->type_name, s->n_type_name);
      const char sub = s->subtype != nullptr ? s->subtype[0] : '\0';
      const bool cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
      if (sub == 'X' || sub == 'N') {
        ctx.add(Action::drop_object, ObjectKind::domain, name,
                sub == 'X' ? "ALTER DOMAIN ... DROP CONSTRAINT" : "ALTER DOMAIN ... DROP NOT NULL");
        if (cascade) ctx.add(Action::drop_cascade, ObjectKind::domain, name, "ALTER DOMAIN ... CASCADE");
      } else {
        ctx.add(Action::ddl_create, ObjectKind::domain, name, "ALTER DOMAIN");
        walk(ctx, s->def);
      }
      return true;
    }
    case PG_QUERY__NODE__NODE_ALTER_EVENT_TRIG_STMT: {
      const auto* s = node->alter_event_trig_stmt;
      const bool disable = s->tgenabled != nullptr && s->tgenabled[0] == 'D';
      ctx.add(disable ? Action::disable_safeguard : Action::ddl_create, ObjectKind::event_trigger,
              ObjectName{"", s->trigname ? s->trigname : ""},
              disable ? "ALTER EVENT TRIGGER ... DISABLE" : "ALTER EVENT TRIGGER");
      return true;
    }
    case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT: {
      const auto* s = node->alter_enum_stmt;
      const bool renames = s->old_val != nullptr;
      ctx.add(renames ? Action::rename : Action::ddl_create, ObjectKind::type,
              name_of_list(s->type_name, s->n_type_name),
              renames ? "ALTER TYPE ... RENAME VALUE" : "ALTER TYPE ... ADD VALUE");
      return true;
    }
    case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT: {
      const auto* s = node->refresh_mat_view_stmt;
      ctx.add(Action::write, ObjectKind::materialized_view, name_of(s->relation),
              "REFRESH MATERIALIZED VIEW");
      return true;
    }
    case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT: {
      const auto* s = node->drop_table_space_stmt;
      ctx.add(Action::drop_object, ObjectKind::tablespace,
              ObjectName{"", s->tablespacename ? s->tablespacename : ""}, "DROP TABLESPACE");
      return true;
    }
    case PG_QUERY__NODE__NODE_DROP_SUBSCRIPTION_STMT: {
      const auto* s = node->drop_subscription_stmt;
      ctx.add(Action::drop_object, ObjectKind::subscription,
              ObjectName{"", s->subname ? s->subname : ""}, "DROP SUBSCRIPTION");
      if (s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE) {
        ctx.add(Action::drop_cascade, ObjectKind::subscription,
                ObjectName{"", s->subname ? s->subname : ""}, "DROP SUBSCRIPTION ... CASCADE");
      }
      return true;
    }
    case PG_QUERY__NODE__NODE_DROP_USER_MAPPING_STMT:
      ctx.add(Action::drop_object, ObjectKind::other, {}, "DROP USER MAPPING");
      return true;
    default:
      return false;
  }
}

}  // namespace pgwarden::sql::pg
