#include "policy/table_match.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pgwarden::policy {

TableView match_tables(const Policy& policy, const sql::ObjectName& table) {
  TableView view;
  view.immutable = policy.immutable_columns;
  if (table.empty()) return view;
  std::vector<const TableRule*> matches;
  for (const auto& rule : policy.tables) {
    if (rule.name.matches(table)) matches.push_back(&rule);
  }
  // Globs first, literals last, file order within each: later entries override earlier ones.
  std::stable_sort(matches.begin(), matches.end(), [](const TableRule* a, const TableRule* b) {
    return !a->name.is_literal() && b->name.is_literal();
  });
  for (const TableRule* rule : matches) {
    view.matched = true;
    if (rule->append_only) {
      view.append_only = true;
      view.append_only_rule = rule;
    }
    for (const auto& c : rule->immutable) {
      if (std::find(view.immutable.begin(), view.immutable.end(), c) == view.immutable.end()) {
        view.immutable.push_back(c);
      }
    }
    if (rule->mutable_columns) {
      view.mutable_columns = &*rule->mutable_columns;
      view.mutable_rule = rule;
    }
    if (rule->soft_delete) view.soft_delete = &*rule->soft_delete;
    if (!rule->hint.empty()) view.hint = rule->hint;
    for (std::size_t i = 0; i < sql::k_action_count; ++i) {
      if (rule->actions[i]) view.action_rule[i] = rule;
    }
  }
  return view;
}

std::string cite(const Policy& policy, const TableRule& rule) {
  std::size_t index = 0;
  for (std::size_t i = 0; i < policy.tables.size(); ++i) {
    if (&policy.tables[i] == &rule) index = i + 1;
  }
  std::string where = policy.source.empty() ? "" : fmt::format(", {}:{}", policy.source, rule.line);
  return fmt::format("[[tables]] #{} (name = \"{}\"{})", index, rule.name.pattern(), where);
}

}  // namespace pgwarden::policy
