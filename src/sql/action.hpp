// The closed list of actions of DESIGN.md. Every PostgreSQL statement maps onto it; there is no
// "unknown". The analyzer decides the actions it can see from SQL alone; the three that depend
// on the policy (update_immutable, mutate_append_only, update_not_mutable) are derived by the
// policy engine from an effect's mutation and columns.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace pgwarden::sql {

enum class Action : unsigned char {
  drop_database,
  drop_schema,
  drop_table,
  drop_column,
  drop_cascade,
  truncate,
  delete_all,
  delete_rows,  // "delete" in the policy file (a C++ keyword)
  update_all,
  update_immutable,
  mutate_append_only,
  update_not_mutable,
  alter_column_type,
  drop_sequence,
  disable_safeguard,
  destructive_function,
  dynamic_sql,
  write_catalog,
  write_server_file,
  load_code,
  alter_system,
  write_foreign_table,
  create_extension,
  attach_table,
  foreign_key_cascade,
  rename,
  drop_object,
  write,
  read,
  ddl_create,
  session,
  privilege,
  parse_error,
};

inline constexpr std::size_t k_action_count = static_cast<std::size_t>(Action::parse_error) + 1;

// All actions in DESIGN.md's order (strictest families first), for listings.
const std::array<Action, k_action_count>& all_actions();

// The name used in the policy file and in every output ("delete" for delete_rows).
std::string_view to_string(Action action);
std::optional<Action> action_from_string(std::string_view name);

// One line of what the action covers, for `policy show` and documentation.
std::string_view describe(Action action);

}  // namespace pgwarden::sql
