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
#include "policy/relation_catalog.hpp"
#include "policy/unit_state.hpp"
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

// A relation a statement changes rows of, as judged (a view's table, a parent's child, ...):
// doors that can read the catalog judge the triggers and rules that fire there.
struct Write {
  sql::ObjectName relation;  // schema-qualified
  sql::Mutation mutation = sql::Mutation::none;
  bool operator==(const Write&) const = default;
};

struct Verdict {
  Decision decision = Decision::allow;  // the strictest decision of all effects (at most warn in monitor mode)
  std::vector<Finding> findings;        // effects whose decision is not `allow`
  std::vector<sql::Action> actions;     // every action the statement has, in order, unique
  std::vector<Write> writes;            // every relation whose rows it changes, unique
};

// Allowed with nothing to say: no finding, so no message or hint that quotes the statement.
inline bool plainly_allowed(const Verdict& v) { return v.decision == Decision::allow && v.findings.empty(); }

// `catalog`, when a door has one, says what the names are in the live database. `recorded_as`
// says how the unit takes the statement afterwards: `pending` where a door cannot assume it ran
// (psql reading a file goes on after a failed statement), so what it creates is not the unit's.
Verdict evaluate(const sql::Statement& statement, const Policy& policy, UnitState& unit,
                 const RelationCatalog* catalog = nullptr,
                 UnitState::Outcome recorded_as = UnitState::Outcome::confirmed);

}  // namespace pgwarden::policy
