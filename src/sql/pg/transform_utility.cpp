// Everything else the PostgreSQL 15 grammar can say: sessions and transactions, privileges and
// roles, the CREATE/ALTER statements that add, maintenance. A table maps each node kind to an
// action and a verb, so that "nothing is unknown" can be read off one place. Settings that turn
// safeguards off (session_replication_role = replica, row_security = off, fsync = off, ...) are
// `disable_safeguard` whether they come as SET, SET LOCAL, set_config(), ALTER SYSTEM, ALTER
// ROLE ... SET or ALTER DATABASE ... SET.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

struct Mapping {
  PgQuery__Node__NodeCase node;
  Action action;
  ObjectKind kind;
  std::string_view verb;
};

constexpr Mapping k_mappings[] = {
    // Transactions and session state.
    {PG_QUERY__NODE__NODE_TRANSACTION_STMT, Action::session, ObjectKind::none, "transaction control"},
    {PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT, Action::read, ObjectKind::none, "SHOW"},
    {PG_QUERY__NODE__NODE_DISCARD_STMT, Action::session, ObjectKind::none, "DISCARD"},
    {PG_QUERY__NODE__NODE_EXECUTE_STMT, Action::session, ObjectKind::none, "EXECUTE"},
    {PG_QUERY__NODE__NODE_DEALLOCATE_STMT, Action::session, ObjectKind::none, "DEALLOCATE"},
    {PG_QUERY__NODE__NODE_FETCH_STMT, Action::read, ObjectKind::none, "FETCH"},
    {PG_QUERY__NODE__NODE_CLOSE_PORTAL_STMT, Action::session, ObjectKind::none, "CLOSE"},
    {PG_QUERY__NODE__NODE_LISTEN_STMT, Action::session, ObjectKind::none, "LISTEN"},
    {PG_QUERY__NODE__NODE_UNLISTEN_STMT, Action::session, ObjectKind::none, "UNLISTEN"},
    {PG_QUERY__NODE__NODE_NOTIFY_STMT, Action::session, ObjectKind::none, "NOTIFY"},
    {PG_QUERY__NODE__NODE_LOCK_STMT, Action::session, ObjectKind::table, "LOCK"},
    {PG_QUERY__NODE__NODE_CONSTRAINTS_SET_STMT, Action::session, ObjectKind::none, "SET CONSTRAINTS"},
    {PG_QUERY__NODE__NODE_LOAD_STMT, Action::session, ObjectKind::none, "LOAD"},
    {PG_QUERY__NODE__NODE_CHECK_POINT_STMT, Action::session, ObjectKind::none, "CHECKPOINT"},
    // Maintenance: rewrites and scans, no rows change.
    {PG_QUERY__NODE__NODE_VACUUM_STMT, Action::session, ObjectKind::table, "VACUUM / ANALYZE"},
    {PG_QUERY__NODE__NODE_CLUSTER_STMT, Action::session, ObjectKind::table, "CLUSTER"},
    {PG_QUERY__NODE__NODE_REINDEX_STMT, Action::session, ObjectKind::index, "REINDEX"},
    // Privileges and roles.
    {PG_QUERY__NODE__NODE_GRANT_STMT, Action::privilege, ObjectKind::none, "GRANT / REVOKE"},
    {PG_QUERY__NODE__NODE_GRANT_ROLE_STMT, Action::privilege, ObjectKind::role, "GRANT / REVOKE role"},
    {PG_QUERY__NODE__NODE_ALTER_DEFAULT_PRIVILEGES_STMT, Action::privilege, ObjectKind::none, "ALTER DEFAULT PRIVILEGES"},
    {PG_QUERY__NODE__NODE_CREATE_ROLE_STMT, Action::privilege, ObjectKind::role, "CREATE ROLE"},
    {PG_QUERY__NODE__NODE_ALTER_ROLE_STMT, Action::privilege, ObjectKind::role, "ALTER ROLE"},
    {PG_QUERY__NODE__NODE_DROP_ROLE_STMT, Action::privilege, ObjectKind::role, "DROP ROLE"},
    {PG_QUERY__NODE__NODE_REASSIGN_OWNED_STMT, Action::privilege, ObjectKind::role, "REASSIGN OWNED"},
    {PG_QUERY__NODE__NODE_ALTER_OWNER_STMT, Action::privilege, ObjectKind::none, "ALTER ... OWNER TO"},
    {PG_QUERY__NODE__NODE_SEC_LABEL_STMT, Action::privilege, ObjectKind::none, "SECURITY LABEL"},
    {PG_QUERY__NODE__NODE_CREATE_USER_MAPPING_STMT, Action::privilege, ObjectKind::other, "CREATE USER MAPPING"},
    {PG_QUERY__NODE__NODE_ALTER_USER_MAPPING_STMT, Action::privilege, ObjectKind::other, "ALTER USER MAPPING"},
    // CREATE / ALTER that add or change definitions.
    {PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT, Action::ddl_create, ObjectKind::domain, "ALTER DOMAIN"},
    {PG_QUERY__NODE__NODE_COMMENT_STMT, Action::ddl_create, ObjectKind::none, "COMMENT"},
    {PG_QUERY__NODE__NODE_DEFINE_STMT, Action::ddl_create, ObjectKind::other, "CREATE AGGREGATE / OPERATOR / TYPE / COLLATION / TEXT SEARCH"},
    {PG_QUERY__NODE__NODE_ALTER_FUNCTION_STMT, Action::ddl_create, ObjectKind::function, "ALTER FUNCTION"},
    {PG_QUERY__NODE__NODE_CREATE_PLANG_STMT, Action::ddl_create, ObjectKind::other, "CREATE LANGUAGE"},
    {PG_QUERY__NODE__NODE_ALTER_DATABASE_STMT, Action::ddl_create, ObjectKind::database, "ALTER DATABASE"},
    {PG_QUERY__NODE__NODE_ALTER_DATABASE_REFRESH_COLL_STMT, Action::ddl_create, ObjectKind::database, "ALTER DATABASE ... REFRESH COLLATION VERSION"},
    {PG_QUERY__NODE__NODE_CREATE_CONVERSION_STMT, Action::ddl_create, ObjectKind::other, "CREATE CONVERSION"},
    {PG_QUERY__NODE__NODE_CREATE_CAST_STMT, Action::ddl_create, ObjectKind::other, "CREATE CAST"},
    {PG_QUERY__NODE__NODE_CREATE_OP_CLASS_STMT, Action::ddl_create, ObjectKind::other, "CREATE OPERATOR CLASS"},
    {PG_QUERY__NODE__NODE_CREATE_OP_FAMILY_STMT, Action::ddl_create, ObjectKind::other, "CREATE OPERATOR FAMILY"},
    {PG_QUERY__NODE__NODE_ALTER_OP_FAMILY_STMT, Action::ddl_create, ObjectKind::other, "ALTER OPERATOR FAMILY"},
    {PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT, Action::ddl_create, ObjectKind::tablespace, "CREATE TABLESPACE"},
    {PG_QUERY__NODE__NODE_ALTER_TABLE_SPACE_OPTIONS_STMT, Action::ddl_create, ObjectKind::tablespace, "ALTER TABLESPACE"},
    {PG_QUERY__NODE__NODE_ALTER_TABLE_MOVE_ALL_STMT, Action::ddl_create, ObjectKind::tablespace, "ALTER ... ALL IN TABLESPACE"},
    {PG_QUERY__NODE__NODE_ALTER_OBJECT_DEPENDS_STMT, Action::ddl_create, ObjectKind::other, "ALTER ... DEPENDS ON EXTENSION"},
    {PG_QUERY__NODE__NODE_ALTER_OPERATOR_STMT, Action::ddl_create, ObjectKind::other, "ALTER OPERATOR"},
    {PG_QUERY__NODE__NODE_ALTER_TYPE_STMT, Action::ddl_create, ObjectKind::type, "ALTER TYPE"},
    {PG_QUERY__NODE__NODE_CREATE_RANGE_STMT, Action::ddl_create, ObjectKind::type, "CREATE TYPE ... AS RANGE"},
    {PG_QUERY__NODE__NODE_ALTER_TSDICTIONARY_STMT, Action::ddl_create, ObjectKind::other, "ALTER TEXT SEARCH DICTIONARY"},
    {PG_QUERY__NODE__NODE_ALTER_TSCONFIGURATION_STMT, Action::ddl_create, ObjectKind::other, "ALTER TEXT SEARCH CONFIGURATION"},
    {PG_QUERY__NODE__NODE_CREATE_FDW_STMT, Action::ddl_create, ObjectKind::other, "CREATE FOREIGN DATA WRAPPER"},
    {PG_QUERY__NODE__NODE_ALTER_FDW_STMT, Action::ddl_create, ObjectKind::other, "ALTER FOREIGN DATA WRAPPER"},
    {PG_QUERY__NODE__NODE_CREATE_FOREIGN_SERVER_STMT, Action::ddl_create, ObjectKind::server, "CREATE SERVER"},
    {PG_QUERY__NODE__NODE_ALTER_FOREIGN_SERVER_STMT, Action::ddl_create, ObjectKind::server, "ALTER SERVER"},
    {PG_QUERY__NODE__NODE_IMPORT_FOREIGN_SCHEMA_STMT, Action::ddl_create, ObjectKind::schema, "IMPORT FOREIGN SCHEMA"},
    {PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT, Action::ddl_create, ObjectKind::extension, "CREATE EXTENSION"},
    {PG_QUERY__NODE__NODE_ALTER_EXTENSION_STMT, Action::ddl_create, ObjectKind::extension, "ALTER EXTENSION ... UPDATE"},
    {PG_QUERY__NODE__NODE_ALTER_EXTENSION_CONTENTS_STMT, Action::ddl_create, ObjectKind::extension, "ALTER EXTENSION ADD / DROP"},
    {PG_QUERY__NODE__NODE_CREATE_EVENT_TRIG_STMT, Action::ddl_create, ObjectKind::event_trigger, "CREATE EVENT TRIGGER"},
    {PG_QUERY__NODE__NODE_REPLICA_IDENTITY_STMT, Action::ddl_create, ObjectKind::table, "REPLICA IDENTITY"},
    {PG_QUERY__NODE__NODE_CREATE_POLICY_STMT, Action::ddl_create, ObjectKind::policy, "CREATE POLICY"},
    {PG_QUERY__NODE__NODE_ALTER_POLICY_STMT, Action::ddl_create, ObjectKind::policy, "ALTER POLICY"},
    {PG_QUERY__NODE__NODE_CREATE_TRANSFORM_STMT, Action::ddl_create, ObjectKind::other, "CREATE TRANSFORM"},
    {PG_QUERY__NODE__NODE_CREATE_AM_STMT, Action::ddl_create, ObjectKind::other, "CREATE ACCESS METHOD"},
    {PG_QUERY__NODE__NODE_CREATE_PUBLICATION_STMT, Action::ddl_create, ObjectKind::publication, "CREATE PUBLICATION"},
    {PG_QUERY__NODE__NODE_ALTER_PUBLICATION_STMT, Action::ddl_create, ObjectKind::publication, "ALTER PUBLICATION"},
    {PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT, Action::ddl_create, ObjectKind::subscription, "CREATE SUBSCRIPTION"},
    {PG_QUERY__NODE__NODE_ALTER_SUBSCRIPTION_STMT, Action::ddl_create, ObjectKind::subscription, "ALTER SUBSCRIPTION"},
    {PG_QUERY__NODE__NODE_CREATE_STATS_STMT, Action::ddl_create, ObjectKind::other, "CREATE STATISTICS"},
    {PG_QUERY__NODE__NODE_ALTER_STATS_STMT, Action::ddl_create, ObjectKind::other, "ALTER STATISTICS"},
    {PG_QUERY__NODE__NODE_ALTER_COLLATION_STMT, Action::ddl_create, ObjectKind::other, "ALTER COLLATION"},
    {PG_QUERY__NODE__NODE_ALTER_SEQ_STMT, Action::ddl_create, ObjectKind::sequence, "ALTER SEQUENCE"},
    {PG_QUERY__NODE__NODE_CREATE_TRIG_STMT, Action::ddl_create, ObjectKind::trigger, "CREATE TRIGGER"},
    // Settings: judged by the value below, session by default.
    {PG_QUERY__NODE__NODE_VARIABLE_SET_STMT, Action::session, ObjectKind::none, "SET"},
    {PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT, Action::session, ObjectKind::none, "ALTER SYSTEM"},
    {PG_QUERY__NODE__NODE_ALTER_ROLE_SET_STMT, Action::privilege, ObjectKind::role, "ALTER ROLE ... SET"},
    {PG_QUERY__NODE__NODE_ALTER_DATABASE_SET_STMT, Action::ddl_create, ObjectKind::database, "ALTER DATABASE ... SET"},
    // Never at the top of a parse: kept so that a stray one is still classified.
    {PG_QUERY__NODE__NODE_RAW_STMT, Action::session, ObjectKind::none, "statement"},
    {PG_QUERY__NODE__NODE_INLINE_CODE_BLOCK, Action::session, ObjectKind::none, "code block"},
    {PG_QUERY__NODE__NODE_CALL_CONTEXT, Action::session, ObjectKind::none, "call"},
    {PG_QUERY__NODE__NODE_SET_OPERATION_STMT, Action::read, ObjectKind::none, "SELECT"},
    {PG_QUERY__NODE__NODE_ALTER_ENUM_STMT, Action::ddl_create, ObjectKind::type, "ALTER TYPE"},
    {PG_QUERY__NODE__NODE_QUERY, Action::read, ObjectKind::none, "query"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string first_arg_text(const PgQuery__VariableSetStmt* s) {
  if (s->n_args == 0) return {};
  const auto* a = s->args[0];
  if (a->node_case == PG_QUERY__NODE__NODE_A_CONST) {
    const auto* c = a->a_const;
    if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL) return lower(c->sval->sval);
    if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL) return std::to_string(c->ival->ival);
    if (c->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) return c->boolval->boolval ? "on" : "off";
  }
  return "?";
}

bool is_off(std::string_view v) { return v == "off" || v == "false" || v == "0" || v == "no"; }
bool is_on(std::string_view v) { return v == "on" || v == "true" || v == "1" || v == "yes"; }

// The setting turns a safeguard off: triggers and FKs (session_replication_role), row-level
// security, crash safety (fsync, full_page_writes), or corruption checks.
bool disables_safeguard(const PgQuery__VariableSetStmt* s) {
  if (s == nullptr || s->name == nullptr) return false;
  if (s->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE) return false;
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

void setting(Context& ctx, const PgQuery__VariableSetStmt* s, std::string_view verb, Action otherwise,
             ObjectKind kind, ObjectName object) {
  if (disables_safeguard(s)) {
    ctx.add(Action::disable_safeguard, ObjectKind::other, ObjectName{"", lower(s->name)},
            std::string(verb) + " " + lower(s->name));
    return;
  }
  ctx.add(otherwise, kind, std::move(object), std::string(verb));
  if (s != nullptr) walk_all(ctx, s->args, s->n_args);
}

}  // namespace

bool transform_utility(Context& ctx, const PgQuery__Node* node) {
  const NestScope nest(ctx);
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
      setting(ctx, node->variable_set_stmt, "SET", Action::session, ObjectKind::none, {});
      return true;
    case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
      setting(ctx, node->alter_system_stmt->setstmt, "ALTER SYSTEM SET", Action::session,
              ObjectKind::none, {});
      return true;
    case PG_QUERY__NODE__NODE_ALTER_ROLE_SET_STMT:
      setting(ctx, node->alter_role_set_stmt->setstmt, "ALTER ROLE ... SET", Action::privilege,
              ObjectKind::role, {});
      return true;
    case PG_QUERY__NODE__NODE_ALTER_DATABASE_SET_STMT: {
      const auto* s = node->alter_database_set_stmt;
      setting(ctx, s->setstmt, "ALTER DATABASE ... SET", Action::ddl_create, ObjectKind::database,
              ObjectName{"", s->dbname ? s->dbname : ""});
      return true;
    }
    case PG_QUERY__NODE__NODE_LOCK_STMT: {
      const auto* s = node->lock_stmt;
      for (std::size_t i = 0; i < s->n_relations; ++i) {
        if (s->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
          ctx.add(Action::session, ObjectKind::table, name_of(s->relations[i]->range_var), "LOCK");
        }
      }
      if (s->n_relations == 0) ctx.add(Action::session, ObjectKind::table, {}, "LOCK");
      return true;
    }
    default:
      break;
  }
  for (const auto& m : k_mappings) {
    if (m.node == node->node_case) {
      ctx.add(m.action, m.kind, {}, std::string(m.verb));
      // Expressions inside (CHECKs, defaults, policy USING clauses) may call functions.
      walk(ctx, &node->base);
      return true;
    }
  }
  return false;
}

}  // namespace pgwarden::sql::pg
