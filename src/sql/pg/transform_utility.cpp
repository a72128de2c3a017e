// Everything else the PostgreSQL 15 grammar can say: sessions and transactions, privileges and
// roles, the CREATE/ALTER statements that add, maintenance. A table maps each node kind to an
// action and a verb, so that "nothing is unknown" can be read off one place. Settings are judged
// by settings.cpp whichever statement makes them; transaction control and DISCARD say what they
// do to the unit (UnitFact). LOAD, CREATE LANGUAGE, ALTER SYSTEM and CREATE EXTENSION reach past
// what SQL can show and have actions of their own.
#include <string>
#include <vector>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

struct Mapping {
  NodeTag node;
  Action action;
  ObjectKind kind;
  std::string_view verb;
};

constexpr Mapping k_mappings[] = {
    // Transactions and session state.
    {T_VariableShowStmt, Action::read, ObjectKind::none, "SHOW"},
    {T_FetchStmt, Action::read, ObjectKind::none, "FETCH"},
    {T_ClosePortalStmt, Action::session, ObjectKind::none, "CLOSE"},
    {T_ListenStmt, Action::session, ObjectKind::none, "LISTEN"},
    {T_UnlistenStmt, Action::session, ObjectKind::none, "UNLISTEN"},
    {T_NotifyStmt, Action::session, ObjectKind::none, "NOTIFY"},
    {T_LockStmt, Action::session, ObjectKind::table, "LOCK"},
    {T_ConstraintsSetStmt, Action::session, ObjectKind::none, "SET CONSTRAINTS"},
    {T_CheckPointStmt, Action::session, ObjectKind::none, "CHECKPOINT"},
    // Maintenance: rewrites and scans, no rows change.
    {T_VacuumStmt, Action::session, ObjectKind::table, "VACUUM / ANALYZE"},
    {T_ClusterStmt, Action::session, ObjectKind::table, "CLUSTER"},
    {T_ReindexStmt, Action::session, ObjectKind::index, "REINDEX"},
    // Privileges and roles.
    {T_GrantStmt, Action::privilege, ObjectKind::none, "GRANT / REVOKE"},
    {T_GrantRoleStmt, Action::privilege, ObjectKind::role, "GRANT / REVOKE role"},
    {T_AlterDefaultPrivilegesStmt, Action::privilege, ObjectKind::none, "ALTER DEFAULT PRIVILEGES"},
    {T_CreateRoleStmt, Action::privilege, ObjectKind::role, "CREATE ROLE"},
    {T_AlterRoleStmt, Action::privilege, ObjectKind::role, "ALTER ROLE"},
    {T_DropRoleStmt, Action::privilege, ObjectKind::role, "DROP ROLE"},
    {T_ReassignOwnedStmt, Action::privilege, ObjectKind::role, "REASSIGN OWNED"},
    {T_AlterOwnerStmt, Action::privilege, ObjectKind::none, "ALTER ... OWNER TO"},
    {T_SecLabelStmt, Action::privilege, ObjectKind::none, "SECURITY LABEL"},
    {T_CreateUserMappingStmt, Action::privilege, ObjectKind::other, "CREATE USER MAPPING"},
    {T_AlterUserMappingStmt, Action::privilege, ObjectKind::other, "ALTER USER MAPPING"},
    // CREATE / ALTER that add or change definitions.
    {T_AlterDomainStmt, Action::ddl_create, ObjectKind::domain, "ALTER DOMAIN"},
    {T_CommentStmt, Action::ddl_create, ObjectKind::none, "COMMENT"},
    {T_AlterDatabaseStmt, Action::ddl_create, ObjectKind::database, "ALTER DATABASE"},
    {T_AlterDatabaseRefreshCollStmt, Action::ddl_create, ObjectKind::database, "ALTER DATABASE ... REFRESH COLLATION VERSION"},
    {T_CreateConversionStmt, Action::ddl_create, ObjectKind::other, "CREATE CONVERSION"},
    {T_CreateOpClassStmt, Action::ddl_create, ObjectKind::other, "CREATE OPERATOR CLASS"},
    {T_CreateOpFamilyStmt, Action::ddl_create, ObjectKind::other, "CREATE OPERATOR FAMILY"},
    {T_AlterOpFamilyStmt, Action::ddl_create, ObjectKind::other, "ALTER OPERATOR FAMILY"},
    {T_CreateTableSpaceStmt, Action::ddl_create, ObjectKind::tablespace, "CREATE TABLESPACE"},
    {T_AlterTableSpaceOptionsStmt, Action::ddl_create, ObjectKind::tablespace, "ALTER TABLESPACE"},
    {T_AlterTableMoveAllStmt, Action::ddl_create, ObjectKind::tablespace, "ALTER ... ALL IN TABLESPACE"},
    {T_AlterObjectDependsStmt, Action::ddl_create, ObjectKind::other, "ALTER ... DEPENDS ON EXTENSION"},
    {T_AlterOperatorStmt, Action::ddl_create, ObjectKind::other, "ALTER OPERATOR"},
    {T_AlterTypeStmt, Action::ddl_create, ObjectKind::type, "ALTER TYPE"},
    {T_CreateRangeStmt, Action::ddl_create, ObjectKind::type, "CREATE TYPE ... AS RANGE"},
    {T_AlterTSDictionaryStmt, Action::ddl_create, ObjectKind::other, "ALTER TEXT SEARCH DICTIONARY"},
    {T_AlterTSConfigurationStmt, Action::ddl_create, ObjectKind::other, "ALTER TEXT SEARCH CONFIGURATION"},
    {T_CreateFdwStmt, Action::ddl_create, ObjectKind::other, "CREATE FOREIGN DATA WRAPPER"},
    {T_AlterFdwStmt, Action::ddl_create, ObjectKind::other, "ALTER FOREIGN DATA WRAPPER"},
    {T_AlterForeignServerStmt, Action::ddl_create, ObjectKind::server, "ALTER SERVER"},
    {T_AlterExtensionStmt, Action::ddl_create, ObjectKind::extension, "ALTER EXTENSION ... UPDATE"},
    {T_ReplicaIdentityStmt, Action::ddl_create, ObjectKind::table, "REPLICA IDENTITY"},
    {T_CreatePolicyStmt, Action::ddl_create, ObjectKind::policy, "CREATE POLICY"},
    {T_AlterPolicyStmt, Action::ddl_create, ObjectKind::policy, "ALTER POLICY"},
    {T_CreateTransformStmt, Action::ddl_create, ObjectKind::other, "CREATE TRANSFORM"},
    {T_CreateAmStmt, Action::ddl_create, ObjectKind::other, "CREATE ACCESS METHOD"},
    {T_CreatePublicationStmt, Action::ddl_create, ObjectKind::publication, "CREATE PUBLICATION"},
    {T_AlterPublicationStmt, Action::ddl_create, ObjectKind::publication, "ALTER PUBLICATION"},
    {T_CreateStatsStmt, Action::ddl_create, ObjectKind::other, "CREATE STATISTICS"},
    {T_AlterStatsStmt, Action::ddl_create, ObjectKind::other, "ALTER STATISTICS"},
    {T_AlterCollationStmt, Action::ddl_create, ObjectKind::other, "ALTER COLLATION"},
    {T_AlterSeqStmt, Action::ddl_create, ObjectKind::sequence, "ALTER SEQUENCE"},
    // Settings: judged by the value below, session by default.
    {T_VariableSetStmt, Action::session, ObjectKind::none, "SET"},
    {T_AlterRoleSetStmt, Action::privilege, ObjectKind::role, "ALTER ROLE ... SET"},
    {T_AlterDatabaseSetStmt, Action::ddl_create, ObjectKind::database, "ALTER DATABASE ... SET"},
    // Never at the top of a parse: kept so that a stray one is still classified.
    {T_RawStmt, Action::session, ObjectKind::none, "statement"},
    {T_InlineCodeBlock, Action::session, ObjectKind::none, "code block"},
    {T_CallContext, Action::session, ObjectKind::none, "call"},
    {T_SetOperationStmt, Action::read, ObjectKind::none, "SELECT"},
    {T_AlterEnumStmt, Action::ddl_create, ObjectKind::type, "ALTER TYPE"},
    {T_Query, Action::read, ObjectKind::none, "query"},
};


// The items of a SET's value as PostgreSQL keeps them: strings exactly (search_path's items are
// schema names), numbers as written, booleans as on / off.
std::vector<std::string> value_items(const List* args) {
  std::vector<std::string> out;
  for (const Node* n : nodes(args)) {
    const auto* c = as<A_Const>(n, T_A_Const);
    if (c == nullptr || c->isnull) {
      out.emplace_back("?");
      continue;
    }
    switch (nodeTag(&c->val)) {
      case T_String: out.emplace_back(text(c->val.sval.sval)); break;
      case T_Integer: out.push_back(std::to_string(c->val.ival.ival)); break;
      case T_Float: out.emplace_back(text(c->val.fval.fval)); break;
      case T_Boolean: out.emplace_back(c->val.boolval.boolval ? "on" : "off"); break;
      default: out.emplace_back("?");
    }
  }
  return out;
}

void variable_set(Context& ctx, const VariableSetStmt* s, SettingScope scope, std::string_view verb, Action otherwise,
                  ObjectKind kind, ObjectName object) {
  if (s == nullptr) return;
  switch (s->kind) {
    case VAR_SET_VALUE:
      setting_effect(ctx, lower(text(s->name)), value_items(s->args), s->is_local ? SettingScope::local : scope,
                     std::string(verb), otherwise, kind, std::move(object));
      break;
    case VAR_SET_DEFAULT:
    case VAR_RESET:
      setting_effect(ctx, lower(text(s->name)), std::vector<std::string>{}, s->is_local ? SettingScope::local : scope,
                     std::string(verb), otherwise, kind, std::move(object));
      break;
    case VAR_RESET_ALL: {
      auto& e = ctx.add(otherwise, kind, std::move(object), std::string(verb) + " ALL");
      if (scope == SettingScope::session) e.fact = UnitFact::reset_all;
      break;
    }
    case VAR_SET_CURRENT:  // FROM CURRENT, in a routine's SET clause: the caller's value
    case VAR_SET_MULTI:    // SET TRANSACTION ...
      ctx.add(otherwise, kind, std::move(object), std::string(verb));
      break;
  }
  walk(ctx, s->args);
}

UnitFact transaction_fact(TransactionStmtKind kind) {
  switch (kind) {
    case TRANS_STMT_BEGIN:
    case TRANS_STMT_START: return UnitFact::begin;
    case TRANS_STMT_COMMIT: return UnitFact::commit;
    case TRANS_STMT_ROLLBACK: return UnitFact::rollback;
    case TRANS_STMT_SAVEPOINT: return UnitFact::savepoint;
    case TRANS_STMT_RELEASE: return UnitFact::release;
    case TRANS_STMT_ROLLBACK_TO: return UnitFact::rollback_to;
    case TRANS_STMT_PREPARE: return UnitFact::prepare_transaction;
    default: return UnitFact::none;  // COMMIT / ROLLBACK PREPARED: another transaction
  }
}

}  // namespace

bool transform_utility(Context& ctx, const Node* node) {
  const NestScope nest(ctx);
  switch (nodeTag(node)) {
    case T_VariableSetStmt:
      variable_set(ctx, &get<VariableSetStmt>(node), SettingScope::session, "SET", Action::session, ObjectKind::none,
                   {});
      return true;
    case T_AlterSystemStmt:
      // postgresql.auto.conf, read by every session after a reload: a superuser's way around
      // everything a session can be held to.
      variable_set(ctx, get<AlterSystemStmt>(node).setstmt, SettingScope::elsewhere, "ALTER SYSTEM",
                   Action::alter_system, ObjectKind::other, {});
      return true;
    case T_AlterRoleSetStmt:
      variable_set(ctx, get<AlterRoleSetStmt>(node).setstmt, SettingScope::elsewhere, "ALTER ROLE ... SET",
                   Action::privilege, ObjectKind::role, {});
      return true;
    case T_AlterDatabaseSetStmt: {
      const auto& s = get<AlterDatabaseSetStmt>(node);
      variable_set(ctx, s.setstmt, SettingScope::elsewhere, "ALTER DATABASE ... SET", Action::ddl_create,
                   ObjectKind::database, ObjectName{"", std::string(text(s.dbname))});
      return true;
    }
    case T_TransactionStmt: {
      const auto& s = get<TransactionStmt>(node);
      auto& e = ctx.add(Action::session, ObjectKind::none, {}, "transaction control");
      e.fact = transaction_fact(s.kind);
      if (s.savepoint_name != nullptr) e.values.emplace_back(text(s.savepoint_name));
      if (s.chain) e.values.emplace_back("chain");
      return true;
    }
    case T_DiscardStmt: {
      const auto target = get<DiscardStmt>(node).target;
      auto& e = ctx.add(Action::session, ObjectKind::none, {}, "DISCARD");
      if (target == DISCARD_ALL) e.fact = UnitFact::discard_all;
      if (target == DISCARD_TEMP) e.fact = UnitFact::discard_temp;
      return true;
    }
    case T_ExecuteStmt: {
      const auto& s = get<ExecuteStmt>(node);
      auto& e = ctx.add(Action::session, ObjectKind::none, {}, "EXECUTE");
      e.fact = UnitFact::execute;
      e.values.emplace_back(text(s.name));
      walk(ctx, s.params);
      return true;
    }
    case T_DeallocateStmt: {
      auto& e = ctx.add(Action::session, ObjectKind::none, {}, "DEALLOCATE");
      e.fact = UnitFact::deallocate;
      e.values.emplace_back(text(get<DeallocateStmt>(node).name));
      return true;
    }
    case T_AlterExtensionContentsStmt: {
      // A table added to an extension is dropped with it: DROP EXTENSION needs no CASCADE.
      const auto& s = get<AlterExtensionContentsStmt>(node);
      const bool relation = s.objtype == OBJECT_TABLE || s.objtype == OBJECT_FOREIGN_TABLE ||
                            s.objtype == OBJECT_MATVIEW || s.objtype == OBJECT_SEQUENCE;
      if (s.action > 0 && relation) {
        const auto* names = as<List>(s.object, T_List);
        auto& e = ctx.add(Action::drop_table, ObjectKind::table, name_of_list(names),
                          "ALTER EXTENSION " + std::string(text(s.extname)) + " ADD TABLE");
        e.member.clear();
      } else {
        ctx.add(Action::ddl_create, ObjectKind::extension, ObjectName{"", std::string(text(s.extname))},
                "ALTER EXTENSION ADD / DROP");
      }
      return true;
    }
    case T_CreateEventTrigStmt:
      // Code every DDL of every session runs, created by a superuser.
      ctx.add(Action::load_code, ObjectKind::event_trigger,
              ObjectName{"", std::string(text(get<CreateEventTrigStmt>(node).trigname))}, "CREATE EVENT TRIGGER");
      return true;
    case T_CreateSubscriptionStmt:
    case T_AlterSubscriptionStmt:
      // Another server's changes applied to this database's tables, past every statement here.
      ctx.add(Action::destructive_function, ObjectKind::subscription, {},
              nodeTag(node) == T_CreateSubscriptionStmt ? "CREATE SUBSCRIPTION" : "ALTER SUBSCRIPTION");
      return true;
    case T_CreateCastStmt: {
      // A cast runs its function wherever a value is cast: judged as a call of it.
      const auto& s = get<CreateCastStmt>(node);
      ctx.add(Action::ddl_create, ObjectKind::other, {}, "CREATE CAST");
      if (s.func != nullptr) called_by_name(ctx, s.func->objname);
      return true;
    }
    case T_DefineStmt: {
      // An operator or an aggregate runs its functions wherever it is used: judged as calls.
      const auto& s = get<DefineStmt>(node);
      ctx.add(Action::ddl_create, ObjectKind::other, name_of_list(s.defnames),
              "CREATE AGGREGATE / OPERATOR / TYPE / COLLATION / TEXT SEARCH");
      for (const Node* n : nodes(s.definition)) {
        const auto* d = as<DefElem>(n, T_DefElem);
        if (d == nullptr) continue;
        const std::string option = lower(text(d->defname));
        static constexpr std::string_view k_function_options[] = {
            "function", "procedure", "sfunc", "sfunc1", "finalfunc", "combinefunc", "serialfunc", "deserialfunc",
            "msfunc", "minvfunc", "mfinalfunc", "restrict", "join", "input", "output", "receive", "send",
            "typmod_in", "typmod_out", "analyze", "subscript"};
        bool is_function = false;
        for (const auto o : k_function_options) is_function = is_function || o == option;
        if (!is_function || d->arg == nullptr) continue;
        if (const auto* list = as<List>(d->arg, T_List)) called_by_name(ctx, list);
        if (const auto* t = as<TypeName>(d->arg, T_TypeName)) called_by_name(ctx, t->names);
      }
      walk(ctx, s.args);
      return true;
    }
    case T_LoadStmt:
      // A shared library the server loads into this backend: arbitrary code, not SQL.
      ctx.add(Action::load_code, ObjectKind::other, ObjectName{"", std::string(text(get<LoadStmt>(node).filename))},
              "LOAD");
      return true;
    case T_CreatePLangStmt:
      ctx.add(Action::load_code, ObjectKind::other, ObjectName{"", std::string(text(get<CreatePLangStmt>(node).plname))},
              "CREATE LANGUAGE");
      return true;
    case T_CreateExtensionStmt: {
      const auto& s = get<CreateExtensionStmt>(node);
      auto& e = ctx.add(Action::create_extension, ObjectKind::extension, ObjectName{"", std::string(text(s.extname))},
                        "CREATE EXTENSION");
      e.creates = !s.if_not_exists;
      return true;
    }
    case T_LockStmt: {
      const auto& s = get<LockStmt>(node);
      for (const Node* n : nodes(s.relations)) {
        if (const auto* rv = as<RangeVar>(n, T_RangeVar)) ctx.add(Action::session, ObjectKind::table, name_of(rv), "LOCK");
      }
      if (s.relations == NIL) ctx.add(Action::session, ObjectKind::table, {}, "LOCK");
      return true;
    }
    default:
      break;
  }
  for (const auto& m : k_mappings) {
    if (m.node == nodeTag(node)) {
      ctx.add(m.action, m.kind, {}, std::string(m.verb));
      // Expressions inside (CHECKs, defaults, policy USING clauses) may call functions.
      walk(ctx, node);
      return true;
    }
  }
  return false;
}

}  // namespace pgwarden::sql::pg
