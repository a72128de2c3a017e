// Everything else the PostgreSQL 15 grammar can say: sessions and transactions, privileges and
// roles, the CREATE/ALTER statements that add, maintenance. A table maps each node kind to an
// action and a verb, so that "nothing is unknown" can be read off one place. Settings that turn
// safeguards off (session_replication_role = replica, row_security = off, fsync = off, ...) are
// `disable_safeguard` whether they come as SET, SET LOCAL, set_config(), ALTER SYSTEM, ALTER
// ROLE ... SET or ALTER DATABASE ... SET.
#include <algorithm>
#include <array>
#include <cctype>

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
    {T_TransactionStmt, Action::session, ObjectKind::none, "transaction control"},
    {T_VariableShowStmt, Action::read, ObjectKind::none, "SHOW"},
    {T_DiscardStmt, Action::session, ObjectKind::none, "DISCARD"},
    {T_ExecuteStmt, Action::session, ObjectKind::none, "EXECUTE"},
    {T_DeallocateStmt, Action::session, ObjectKind::none, "DEALLOCATE"},
    {T_FetchStmt, Action::read, ObjectKind::none, "FETCH"},
    {T_ClosePortalStmt, Action::session, ObjectKind::none, "CLOSE"},
    {T_ListenStmt, Action::session, ObjectKind::none, "LISTEN"},
    {T_UnlistenStmt, Action::session, ObjectKind::none, "UNLISTEN"},
    {T_NotifyStmt, Action::session, ObjectKind::none, "NOTIFY"},
    {T_LockStmt, Action::session, ObjectKind::table, "LOCK"},
    {T_ConstraintsSetStmt, Action::session, ObjectKind::none, "SET CONSTRAINTS"},
    {T_LoadStmt, Action::session, ObjectKind::none, "LOAD"},
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
    {T_DefineStmt, Action::ddl_create, ObjectKind::other, "CREATE AGGREGATE / OPERATOR / TYPE / COLLATION / TEXT SEARCH"},
    {T_AlterFunctionStmt, Action::ddl_create, ObjectKind::function, "ALTER FUNCTION"},
    {T_CreatePLangStmt, Action::ddl_create, ObjectKind::other, "CREATE LANGUAGE"},
    {T_AlterDatabaseStmt, Action::ddl_create, ObjectKind::database, "ALTER DATABASE"},
    {T_AlterDatabaseRefreshCollStmt, Action::ddl_create, ObjectKind::database, "ALTER DATABASE ... REFRESH COLLATION VERSION"},
    {T_CreateConversionStmt, Action::ddl_create, ObjectKind::other, "CREATE CONVERSION"},
    {T_CreateCastStmt, Action::ddl_create, ObjectKind::other, "CREATE CAST"},
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
    {T_CreateForeignServerStmt, Action::ddl_create, ObjectKind::server, "CREATE SERVER"},
    {T_AlterForeignServerStmt, Action::ddl_create, ObjectKind::server, "ALTER SERVER"},
    {T_ImportForeignSchemaStmt, Action::ddl_create, ObjectKind::schema, "IMPORT FOREIGN SCHEMA"},
    {T_CreateExtensionStmt, Action::ddl_create, ObjectKind::extension, "CREATE EXTENSION"},
    {T_AlterExtensionStmt, Action::ddl_create, ObjectKind::extension, "ALTER EXTENSION ... UPDATE"},
    {T_AlterExtensionContentsStmt, Action::ddl_create, ObjectKind::extension, "ALTER EXTENSION ADD / DROP"},
    {T_CreateEventTrigStmt, Action::ddl_create, ObjectKind::event_trigger, "CREATE EVENT TRIGGER"},
    {T_ReplicaIdentityStmt, Action::ddl_create, ObjectKind::table, "REPLICA IDENTITY"},
    {T_CreatePolicyStmt, Action::ddl_create, ObjectKind::policy, "CREATE POLICY"},
    {T_AlterPolicyStmt, Action::ddl_create, ObjectKind::policy, "ALTER POLICY"},
    {T_CreateTransformStmt, Action::ddl_create, ObjectKind::other, "CREATE TRANSFORM"},
    {T_CreateAmStmt, Action::ddl_create, ObjectKind::other, "CREATE ACCESS METHOD"},
    {T_CreatePublicationStmt, Action::ddl_create, ObjectKind::publication, "CREATE PUBLICATION"},
    {T_AlterPublicationStmt, Action::ddl_create, ObjectKind::publication, "ALTER PUBLICATION"},
    {T_CreateSubscriptionStmt, Action::ddl_create, ObjectKind::subscription, "CREATE SUBSCRIPTION"},
    {T_AlterSubscriptionStmt, Action::ddl_create, ObjectKind::subscription, "ALTER SUBSCRIPTION"},
    {T_CreateStatsStmt, Action::ddl_create, ObjectKind::other, "CREATE STATISTICS"},
    {T_AlterStatsStmt, Action::ddl_create, ObjectKind::other, "ALTER STATISTICS"},
    {T_AlterCollationStmt, Action::ddl_create, ObjectKind::other, "ALTER COLLATION"},
    {T_AlterSeqStmt, Action::ddl_create, ObjectKind::sequence, "ALTER SEQUENCE"},
    {T_CreateTrigStmt, Action::ddl_create, ObjectKind::trigger, "CREATE TRIGGER"},
    // Settings: judged by the value below, session by default.
    {T_VariableSetStmt, Action::session, ObjectKind::none, "SET"},
    {T_AlterSystemStmt, Action::session, ObjectKind::none, "ALTER SYSTEM"},
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

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string first_arg_text(const VariableSetStmt* s) {
  const NodeList args = nodes(s->args);
  if (args.empty()) return {};
  const auto* c = as<A_Const>(args[0], T_A_Const);
  if (c == nullptr || c->isnull) return "?";
  switch (nodeTag(&c->val)) {
    case T_String: return lower(text(c->val.sval.sval));
    case T_Integer: return std::to_string(c->val.ival.ival);
    case T_Boolean: return c->val.boolval.boolval ? "on" : "off";
    default: return "?";
  }
}

bool is_off(std::string_view v) { return v == "off" || v == "false" || v == "0" || v == "no"; }
bool is_on(std::string_view v) { return v == "on" || v == "true" || v == "1" || v == "yes"; }

// The setting turns a safeguard off: triggers and FKs (session_replication_role), row-level
// security, crash safety (fsync, full_page_writes), or corruption checks.
bool disables_safeguard(const VariableSetStmt* s) {
  if (s == nullptr || s->name == nullptr) return false;
  if (s->kind != VAR_SET_VALUE) return false;
  const std::string name = lower(s->name);
  const std::string value = first_arg_text(s);
  if (name == "session_replication_role") return value != "origin";
  if (name == "row_security" || name == "fsync" || name == "full_page_writes") return is_off(value);
  if (name == "zero_damaged_pages" || name == "ignore_checksum_failure" ||
      name == "ignore_system_indexes") {
    return is_on(value);
  }
  return false;
}

void setting(Context& ctx, const VariableSetStmt* s, std::string_view verb, Action otherwise,
             ObjectKind kind, ObjectName object) {
  if (disables_safeguard(s)) {
    ctx.add(Action::disable_safeguard, ObjectKind::other, ObjectName{"", lower(s->name)},
            std::string(verb) + " " + lower(s->name));
    return;
  }
  ctx.add(otherwise, kind, std::move(object), std::string(verb));
  if (s != nullptr) walk(ctx, s->args);
}

}  // namespace

bool transform_utility(Context& ctx, const Node* node) {
  const NestScope nest(ctx);
  switch (nodeTag(node)) {
    case T_VariableSetStmt:
      setting(ctx, &get<VariableSetStmt>(node), "SET", Action::session, ObjectKind::none, {});
      return true;
    case T_AlterSystemStmt:
      setting(ctx, get<AlterSystemStmt>(node).setstmt, "ALTER SYSTEM SET", Action::session, ObjectKind::none, {});
      return true;
    case T_AlterRoleSetStmt:
      setting(ctx, get<AlterRoleSetStmt>(node).setstmt, "ALTER ROLE ... SET", Action::privilege, ObjectKind::role,
              {});
      return true;
    case T_AlterDatabaseSetStmt: {
      const auto& s = get<AlterDatabaseSetStmt>(node);
      setting(ctx, s.setstmt, "ALTER DATABASE ... SET", Action::ddl_create, ObjectKind::database,
              ObjectName{"", std::string(text(s.dbname))});
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
