// The policy engine: effects in, verdicts out.
//
// `evaluate` judges one analyzed statement against a policy within a unit: it finds the table
// rules that match each effect's object (after the unit's renames), derives the policy-dependent
// actions (update_immutable, update_not_mutable, mutate_append_only), picks the decision
// (per-table override, else the active profile's actions, else [actions], else the built-in
// default), and writes for every effect that is not plainly allowed a finding with a message, the
// policy citation and a hint that is the non-destructive alternative for this statement.
// A policy derived for a [[profiles]] entry (policy/profile.hpp) adds the profile's rules: its
// writable list refuses row changes elsewhere, and its monitor mode, applied last, turns every
// refusal into a warning that keeps the decision it would have had. Then `evaluate` records what
// the statement created or renamed in the unit state.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "sql/statement.hpp"

namespace pgwarden::policy {

struct Finding {
  sql::Action action = sql::Action::read;
  sql::ObjectKind kind = sql::ObjectKind::none;
  sql::ObjectName object;
  std::vector<std::string> columns;
  Decision decision = Decision::allow;
  std::string rule;     // the part of the policy that decided, e.g. `[actions] drop_table = "deny"`
  std::string message;  // what the statement would do
  std::string detail;   // which policy refuses it and where it is written down
  std::string hint;     // the non-destructive alternative for this statement
  // Set when the active profile's monitor mode turned a refusal into `warn`: the decision the
  // finding would have had (approve or deny). `rule` and `detail` say so in words.
  std::optional<Decision> monitored_from;
  sql::Via via = sql::Via::direct;
  std::string via_name;
};

struct Verdict {
  Decision decision = Decision::allow;  // the strictest decision of all effects (at most warn in monitor mode)
  std::vector<Finding> findings;        // effects whose decision is not `allow`
  std::vector<sql::Action> actions;     // every action the statement has, in order, unique
};

// What earlier statements of the same unit created or renamed (DESIGN.md "unit state").
// A copy shares the names until one of the two records something (copy on write): the proxy
// keeps a unit's state from before a statement, and policy::Evaluator keeps the state a
// statement leaves, which every repetition of it then takes over without a copy.
class UnitState {
 public:
  void record(const sql::Statement& statement, const Policy& policy);

  // True when `name` (as written in a statement, an object of `kind`) was created earlier in
  // this unit. Schemas and databases are a namespace of their own.
  [[nodiscard]] bool created(const sql::ObjectName& name, sql::ObjectKind kind, const Policy& policy) const;
  // The name the policy protects: the original name of a table renamed earlier in this unit.
  [[nodiscard]] sql::ObjectName protected_name(const sql::ObjectName& name, const Policy& policy) const;
  // The original name of a column renamed earlier in this unit.
  [[nodiscard]] std::string original_column(const sql::ObjectName& table, const std::string& column,
                                            const Policy& policy) const;

  // True while the unit has created and renamed nothing: verdicts then depend on the statement
  // and the policy alone.
  [[nodiscard]] bool empty() const { return m_names == nullptr; }
  // True when what this unit created or renamed could change how `statement` is judged: it
  // names something the unit created, a table or column the unit renamed, or by a bare name a
  // temp relation of the unit. Otherwise its verdict is the one it gets in an empty unit.
  [[nodiscard]] bool bears_on(const sql::Statement& statement, const Policy& policy) const;

  // schema.name as PostgreSQL would resolve it in this unit (temp tables first, then search_path).
  [[nodiscard]] std::string resolve(const sql::ObjectName& name, const Policy& policy) const;

  // Becomes a copy of `*other` that keeps `other`'s owner alive instead of sharing its names
  // (a copy would touch their counter): what policy::Evaluator hands a unit from a kept verdict.
  void share(const std::shared_ptr<const UnitState>& other);

 private:
  struct Names {
    std::set<std::string> created;                   // resolved names
    std::set<std::string> temp;                      // bare names of temp relations created
    std::map<std::string, sql::ObjectName> renamed;  // resolved new name -> original name
    std::map<std::string, std::string> columns;      // "table|new column" -> original column
  };
  [[nodiscard]] const Names& names() const;
  Names& names_to_change();        // this unit's own, copied first when shared
  std::shared_ptr<Names> m_names;  // null while empty; never points to empty names
};

Verdict evaluate(const sql::Statement& statement, const Policy& policy, UnitState& unit);

}  // namespace pgwarden::policy
