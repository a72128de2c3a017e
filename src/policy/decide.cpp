#include "policy/decide.hpp"

#include <fmt/format.h>

#include "policy/profile.hpp"

namespace pgwarden::policy {

using sql::Action;

Decision decision(const Policy& policy, const TableView& table, Action action) {
  const auto i = static_cast<std::size_t>(action);
  if (const TableRule* rule = table.action_rule[i]) return *rule->actions[i];
  if (action != Action::parse_error) {
    if (const auto& profile = policy.active_profile; profile && profile->actions[i]) return *profile->actions[i];
  }
  return policy.decision(action);
}

Decided decide(const Policy& policy, const TableView& table, Action action) {
  const auto i = static_cast<std::size_t>(action);
  if (const TableRule* rule = table.action_rule[i]) {
    const Decision d = *rule->actions[i];
    return {d, fmt::format("{} actions.{} = \"{}\"", cite(policy, *rule), to_string(action), to_string(d))};
  }
  if (action == Action::parse_error) {
    const Decision d = policy.decision(action);
    return {d, fmt::format("[policy] on_parse_error = \"{}\"", to_string(d))};
  }
  if (const auto& profile = policy.active_profile; profile && profile->actions[i]) {
    const Decision d = *profile->actions[i];
    return {d, cite(policy, *profile, fmt::format("actions.{} = \"{}\"", to_string(action), to_string(d)))};
  }
  const Decision d = policy.decision(action);
  if (policy.action_from_file[i]) {
    return {d, fmt::format("[actions] {} = \"{}\"", to_string(action), to_string(d))};
  }
  return {d, fmt::format("the built-in default {} = \"{}\"", to_string(action), to_string(d))};
}

// "\"Ledger Immutability Policy\" (docs/IMMUTABILITY.md)"
std::string who(const Policy& policy) {
  return policy.document.empty() ? fmt::format("\"{}\"", policy.name)
                                 : fmt::format("\"{}\" ({})", policy.name, policy.document);
}

std::string detail_for(const Policy& policy, Decision decision, const std::string& rule) {
  const std::string by = who(policy);
  switch (decision) {
    case Decision::deny: return fmt::format("Refused by {}: {}. Nothing unlocks it.", by, rule);
    case Decision::approve:
      return fmt::format("Refused by {}: {}. It runs only with an explicit human approval.", by, rule);
    case Decision::warn: return fmt::format("Allowed with a warning by {}: {}.", by, rule);
    case Decision::allow: return fmt::format("Allowed by {}: {}.", by, rule);
  }
  return {};
}

}  // namespace pgwarden::policy
