// The objects pgwarden db protect installs (docs/db.md, "Objects"), as the SQL that creates
// them, with the names of [db] filled in: the tables of its schema (sql/tables.sql), its
// functions (one file each under sql/), the log's insert-only triggers, the two event triggers,
// and the guard triggers it builds for each table. What is installed is compared with this:
// a function by its body and settings, a trigger by its arguments (the last one is
// k_guard_version, raised whenever the templates below change).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/policy.hpp"

namespace pgwarden::db {

// Raised whenever a guard's template (timing, WHEN clause, arguments) changes, so that an
// upgrade replaces every guard made by an older pgwarden.
inline constexpr const char* k_guard_version = "pgwarden-guard-1";

// pgwarden's own tables, in the order tables.sql creates them.
const std::vector<std::string>& own_tables();
std::string tables_sql(const policy::DbSettings& db);

struct FunctionSql {
  std::string name;    // "guard"
  std::string create;  // CREATE OR REPLACE FUNCTION ...
  std::string body;    // what pg_proc.prosrc holds once it is created
};
// Every function, those called by others first.
std::vector<FunctionSql> functions_sql(const policy::DbSettings& db);
// The settings every function of pgwarden's is created with (pg_proc.proconfig).
inline constexpr const char* k_function_config = "search_path=pg_catalog, pg_temp";

struct EventTriggerSql {
  std::string name;      // pgwarden_ddl_command_end
  std::string event;     // ddl_command_end
  std::string function;  // on_ddl_command_end
  std::string create;    // CREATE EVENT TRIGGER ...; ALTER EVENT TRIGGER ... ENABLE ALWAYS
};
std::vector<EventTriggerSql> event_triggers_sql(const policy::DbSettings& db);

// The log's triggers, which keep it insert-only.
struct LogTriggerSql {
  std::string name;
  std::string create;
};
std::vector<LogTriggerSql> log_triggers_sql(const policy::DbSettings& db);

// pg_get_triggerdef of trigger `t` (a pg_trigger alias) without its table's name, which a rename
// under a grant changes: what <schema>.guards records and what db protect compares with.
inline constexpr const char* k_trigger_definition =
    "pg_catalog.replace(pg_catalog.pg_get_triggerdef(t.oid), ' ON ' || "
    "t.tgrelid::pg_catalog.regclass::text || ' ', "
    "' ON <table> ')";

// What a guard trigger does; its name is pgwarden_<operation>_<guarded relid>[_<attnum>].
enum class Operation { truncate, delete_rows, delete_all, update };
const char* to_string(Operation op);  // "truncate", "delete", "delete_all", "update"

struct GuardTrigger {
  std::uint32_t relid = 0;  // the table it is created on
  std::string table;        // its quoted, schema-qualified name
  std::uint32_t guarded =
      0;  // the table whose policy it enforces (itself, or an ancestor/descendant)
  Operation operation = Operation::truncate;
  int attnum = 0;      // an UPDATE guard of one column; 0: the whole row
  std::string column;  // that column's name
  std::vector<std::string> args;

  [[nodiscard]] std::string name() const;
  [[nodiscard]] std::string function() const;  // "guard" or "guard_delete_all"
  // CREATE TRIGGER, ENABLE ALWAYS, and its row in <schema>.guards.
  [[nodiscard]] std::string create_sql(const policy::DbSettings& db) const;
  [[nodiscard]] std::string drop_sql(const policy::DbSettings& db) const;
};

}  // namespace pgwarden::db
