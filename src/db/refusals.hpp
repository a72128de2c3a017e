// What the policy refuses on one table, asked of the one policy engine (DESIGN.md: "never a
// second place that decides"). For a table of the live database, db protect synthesizes the
// statements that would harm it, with its real schema-qualified name, and evaluates each with
// policy::evaluate (base policy, empty unit state): TRUNCATE, DELETE of every row, DELETE of some
// rows (WHERE pgwarden_same_condition: a column the analyzer cannot take for constant true),
// one UPDATE per column, DROP TABLE. A refusing verdict (approve or deny) becomes a Refusal,
// whose texts are the engine's finding: the database's refusal then reads like pgwarden's own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/policy.hpp"

namespace pgwarden::db {

struct Refusal {
  policy::Decision decision = policy::Decision::deny;  // the strictest of the refusing findings
  std::vector<std::string> actions;  // every refusing action; the first is the one shown
  std::string message;
  std::string detail;
  std::string hint;
  bool operator==(const Refusal&) const = default;
};

struct ColumnRefusal {
  int attnum = 0;
  std::string name;
  Refusal refusal;
};

struct TableRefusals {
  std::optional<Refusal> truncate;
  std::optional<Refusal> delete_rows;  // DELETE ... WHERE: some rows
  std::optional<Refusal> delete_all;   // DELETE without WHERE: every row
  std::optional<Refusal> drop_table;
  std::vector<ColumnRefusal> update;  // the columns whose UPDATE is refused
  // Set when the table is append-only: every column's UPDATE is refused as mutate_append_only
  // with the same texts, so one guard covers the whole row (columns added later too). Its
  // actions are every column's, so a grant must name them all.
  std::optional<Refusal> update_row;

  [[nodiscard]] bool empty() const {
    return !truncate && !delete_rows && !delete_all && !drop_table && update.empty();
  }
};

struct TableColumn {
  int attnum = 0;
  std::string name;
};

// Asks the engine about `schema`.`name` with these columns.
TableRefusals judge_table(const policy::Policy& policy, const std::string& schema,
                          const std::string& name, const std::vector<TableColumn>& columns);

// The synthesized WHERE in a hint reads as what it stands for: "WHERE <the same condition>".
std::string hint_text(std::string hint);

}  // namespace pgwarden::db
