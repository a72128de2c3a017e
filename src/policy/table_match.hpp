// The [[tables]] entries that apply to one table, merged into one view. What a name or glob
// matches is policy/table_glob.hpp's. When several entries match, a literal name beats a glob
// and, between equals, the later entry wins for single-valued keys (soft_delete, mutable, hint,
// each action); `append_only` holds if any entry says so; immutable columns add up.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "sql/effect.hpp"

namespace pgwarden::policy {

struct TableView {
  bool matched = false;
  bool append_only = false;
  const TableRule* append_only_rule = nullptr;
  std::vector<std::string> immutable;  // policy-wide and per-table
  const std::vector<std::string>* mutable_columns = nullptr;
  const TableRule* mutable_rule = nullptr;
  const SoftDelete* soft_delete = nullptr;
  std::string hint;
  std::array<const TableRule*, sql::k_action_count> action_rule{};
};

// `table` is schema-qualified: the schema PostgreSQL would use for the object.
TableView match_tables(const Policy& policy, const sql::ObjectName& table);

// "tables[2] (\"ledger_*\", pgwarden.toml:14)" for citations.
std::string cite(const Policy& policy, const TableRule& rule);

}  // namespace pgwarden::policy
