// Which part of the policy decides an action, and how a finding cites it: the per-table rule,
// the active profile's actions, [actions], or the built-in default (docs/policy.md,
// "Precedence"). Shared by the engine (evaluate.cpp) and the rules it derives.
#pragma once

#include <string>

#include "policy/policy.hpp"
#include "policy/table_match.hpp"

namespace pgwarden::policy {

struct Decided {
  Decision decision;
  std::string rule;  // e.g. `[actions] drop_table = "deny"`
};

Decided decide(const Policy& policy, const TableView& table, sql::Action action);
// The decision alone, without the rule's text: what every statement the policy allows needs.
Decision decision(const Policy& policy, const TableView& table, sql::Action action);

// "\"Ledger Immutability Policy\" (docs/IMMUTABILITY.md)"
std::string who(const Policy& policy);
// The sentence a finding's detail is: who decided, by which rule, and what it means.
std::string detail_for(const Policy& policy, Decision decision, const std::string& rule);

}  // namespace pgwarden::policy
