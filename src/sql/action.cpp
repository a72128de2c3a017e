#include "sql/action.hpp"

namespace pgwarden::sql {
namespace {

struct ActionInfo {
  Action action;
  std::string_view name;
  std::string_view description;
};

constexpr std::array<ActionInfo, k_action_count> k_actions = {{
    {Action::drop_database, "drop_database", "DROP DATABASE"},
    {Action::drop_schema, "drop_schema", "DROP SCHEMA"},
    {Action::drop_table, "drop_table", "DROP TABLE, DROP FOREIGN TABLE"},
    {Action::drop_column, "drop_column", "ALTER TABLE ... DROP COLUMN"},
    {Action::drop_cascade, "drop_cascade",
     "DROP ... CASCADE of a type, domain, extension, function or schema; DROP OWNED; TRUNCATE ... CASCADE"},
    {Action::truncate, "truncate", "TRUNCATE"},
    {Action::delete_all, "delete_all", "DELETE with no WHERE"},
    {Action::delete_rows, "delete", "DELETE with a WHERE; MERGE ... THEN DELETE"},
    {Action::update_all, "update_all", "UPDATE with no WHERE"},
    {Action::update_immutable, "update_immutable",
     "UPDATE / ON CONFLICT DO UPDATE / MERGE UPDATE that sets an immutable column"},
    {Action::mutate_append_only, "mutate_append_only",
     "UPDATE, DELETE, TRUNCATE or MERGE update/delete on an append-only table"},
    {Action::update_not_mutable, "update_not_mutable",
     "UPDATE of a column outside a table's `mutable` list"},
    {Action::alter_column_type, "alter_column_type", "ALTER COLUMN ... TYPE"},
    {Action::drop_sequence, "drop_sequence", "DROP SEQUENCE"},
    {Action::disable_safeguard, "disable_safeguard",
     "session_replication_role, DISABLE TRIGGER, SET UNLOGGED, DISABLE ROW LEVEL SECURITY, DROP "
     "POLICY, DROP/DISABLE EVENT TRIGGER"},
    {Action::destructive_function, "destructive_function",
     "functions that destroy data or run SQL or programs elsewhere (lo_unlink, dblink_exec, "
     "COPY ... PROGRAM, ...)"},
    {Action::dynamic_sql, "dynamic_sql", "EXECUTE of a string whose text cannot be known"},
    {Action::write_catalog, "write_catalog",
     "INSERT, UPDATE, DELETE, MERGE, TRUNCATE or COPY FROM on a system catalog (pg_class, pg_trigger, ...)"},
    {Action::write_server_file, "write_server_file",
     "files written or programs run by the server: COPY ... TO a file, COPY ... PROGRAM, lo_export, "
     "adminpack's pg_file_write"},
    {Action::load_code, "load_code",
     "code the server loads: LOAD, CREATE FUNCTION ... LANGUAGE c / internal, CREATE LANGUAGE"},
    {Action::alter_system, "alter_system", "ALTER SYSTEM: postgresql.auto.conf, for every session"},
    {Action::write_foreign_table, "write_foreign_table",
     "a row change of a foreign table whose target pgwarden cannot tell is in this database"},
    {Action::create_extension, "create_extension",
     "CREATE EXTENSION of an extension outside the policy's [extensions] allow list"},
    {Action::attach_table, "attach_table",
     "ALTER TABLE ... INHERIT or ATTACH PARTITION of an existing table: its parent's DELETE, UPDATE and "
     "TRUNCATE then reach its rows"},
    {Action::foreign_key_cascade, "foreign_key_cascade",
     "a foreign key whose ON DELETE / ON UPDATE action (CASCADE, SET NULL, SET DEFAULT) changes this table's "
     "rows when another table changes"},
    {Action::rename, "rename", "ALTER ... RENAME of a table or column; SET SCHEMA"},
    {Action::drop_object, "drop_object",
     "DROP of objects that hold no rows: index, view, function, trigger, constraint, ..."},
    {Action::write, "write", "INSERT, UPDATE with WHERE, COPY FROM"},
    {Action::read, "read", "SELECT, COPY TO, EXPLAIN (without ANALYZE), SHOW, ..."},
    {Action::ddl_create, "ddl_create", "CREATE / ALTER that adds"},
    {Action::session, "session", "BEGIN, COMMIT, SET, DISCARD, PREPARE bookkeeping, LISTEN, ..."},
    {Action::privilege, "privilege", "GRANT, REVOKE, roles"},
    {Action::parse_error, "parse_error", "the text does not parse"},
}};

constexpr std::array<Action, k_action_count> make_all() {
  std::array<Action, k_action_count> out{};
  for (std::size_t i = 0; i < k_action_count; ++i) out[i] = k_actions[i].action;
  return out;
}

constexpr auto k_all = make_all();

}  // namespace

const std::array<Action, k_action_count>& all_actions() { return k_all; }

std::string_view to_string(Action action) {
  return k_actions[static_cast<std::size_t>(action)].name;
}

std::string_view describe(Action action) {
  return k_actions[static_cast<std::size_t>(action)].description;
}

std::optional<Action> action_from_string(std::string_view name) {
  for (const auto& info : k_actions) {
    if (info.name == name) return info.action;
  }
  return std::nullopt;
}

}  // namespace pgwarden::sql
