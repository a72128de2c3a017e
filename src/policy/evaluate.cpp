#include "policy/evaluate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "policy/hints.hpp"
#include "policy/profile.hpp"
#include "policy/table_match.hpp"

namespace pgwarden::policy {
namespace {

using sql::Action;

struct Decided {
  Decision decision;
  std::string rule;
};

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

class Judge {
 public:
  Judge(const sql::Statement& statement, const Policy& policy, const UnitState& unit, Verdict& out)
      : m_statement(statement), m_policy(policy), m_unit(unit), m_out(out) {}

  void effect(const sql::Effect& e) {
    note_action(e.action);
    if (e.action == Action::parse_error) {
      parse_error(e);
      return;
    }
    // Objects created earlier in this unit are the unit's own: nothing to protect yet.
    if (!e.creates && m_unit.created(e.object, e.kind, m_policy)) return;

    const sql::ObjectName protected_name = m_unit.protected_name(e.object, m_policy);
    const std::string resolved = m_unit.resolve(protected_name, m_policy);
    const std::string schema = resolved.substr(0, resolved.find('.'));
    const TableView table = match_tables(m_policy, protected_name, schema);

    judge(e, table, e.action, e.columns);
    if (e.mutation == sql::Mutation::update) {
      std::vector<std::string> immutable;
      std::vector<std::string> not_mutable;
      for (const auto& written : e.columns) {
        const std::string c = m_unit.original_column(e.object, written, m_policy);
        if (std::find(table.immutable.begin(), table.immutable.end(), c) != table.immutable.end()) {
          immutable.push_back(written);
        }
        if (table.mutable_columns != nullptr &&
            std::find(table.mutable_columns->begin(), table.mutable_columns->end(), c) ==
                table.mutable_columns->end()) {
          not_mutable.push_back(written);
        }
      }
      if (!immutable.empty()) judge(e, table, Action::update_immutable, immutable);
      if (!not_mutable.empty()) judge(e, table, Action::update_not_mutable, not_mutable);
    }
    if (table.append_only && (e.mutation == sql::Mutation::update || e.mutation == sql::Mutation::delete_rows ||
                              e.mutation == sql::Mutation::truncate)) {
      judge(e, table, Action::mutate_append_only, e.columns);
    }
    if (m_policy.active_profile && m_policy.active_profile->writable && e.mutation != sql::Mutation::none) {
      writable(e, protected_name, schema);
    }
  }

 private:
  void note_action(Action a) {
    if (std::find(m_out.actions.begin(), m_out.actions.end(), a) == m_out.actions.end()) m_out.actions.push_back(a);
  }

  void judge(const sql::Effect& e, const TableView& table, Action action, const std::vector<std::string>& columns) {
    note_action(action);
    Decided d = decide(m_policy, table, action);
    if (action == Action::mutate_append_only && table.append_only_rule != nullptr &&
        table.action_rule[static_cast<std::size_t>(action)] == nullptr) {
      d.rule = fmt::format("{} append_only = true ({})", cite(m_policy, *table.append_only_rule), d.rule);
    }
    if (action == Action::update_not_mutable && table.mutable_rule != nullptr &&
        table.action_rule[static_cast<std::size_t>(action)] == nullptr) {
      d.rule = fmt::format("{} mutable list ({})", cite(m_policy, *table.mutable_rule), d.rule);
    }
    if (d.decision == Decision::allow) return;
    const Judged judged{action, e, table, columns};
    add(e, action, columns, d, message_for(judged), hint_for(judged, m_policy));
  }

  // The active profile's writable list: rows of tables it does not name are never changed, and
  // an UPDATE sets only the columns it lists for the table. Nothing in [actions] or [[tables]]
  // unlocks it; it is the point of the profile.
  void writable(const sql::Effect& e, const sql::ObjectName& protected_name, const std::string& schema) {
    const Profile& profile = *m_policy.active_profile;
    const WritableView view = match_writable(*profile.writable, protected_name, schema);
    std::vector<std::string> refused;
    if (view.writable) {
      if (e.mutation != sql::Mutation::update || view.every_column) return;
      for (const auto& written : e.columns) {
        const std::string c = m_unit.original_column(e.object, written, m_policy);
        if (std::find(view.columns.begin(), view.columns.end(), c) == view.columns.end()) refused.push_back(written);
      }
      if (refused.empty()) return;
    }
    const Decided d{Decision::deny, cite(m_policy, profile, "writable")};
    add(e, e.action, refused, d, writable_message(e, profile, refused, view), writable_hint(e, profile, refused, view));
  }

  void parse_error(const sql::Effect& e) {
    Decided d = decide(m_policy, TableView{}, Action::parse_error);
    const auto& analysis = *m_statement.analysis;
    if (analysis.limit_exceeded) {
      d = {Decision::deny, "pgwarden's input limits (they hold whatever on_parse_error says)"};
    }
    if (d.decision == Decision::allow) return;
    const TableView none;
    const Judged judged{Action::parse_error, e, none, {}};
    std::string message = message_for(judged);
    const std::string& reason = analysis.error.empty() ? e.verb : analysis.error;
    if (!reason.empty()) message += ": " + reason;
    add(e, Action::parse_error, {}, d, std::move(message), hint_for(judged, m_policy));
  }

  void add(const sql::Effect& e, Action action, const std::vector<std::string>& columns, const Decided& d,
           std::string message, std::string hint) {
    Finding f;
    f.action = action;
    f.kind = e.kind;
    f.object = e.object;
    f.columns = columns;
    f.decision = d.decision;
    f.rule = d.rule;
    f.message = std::move(message);
    f.detail = detail_for(m_policy, d.decision, d.rule);
    f.hint = std::move(hint);
    f.via = e.via;
    f.via_name = e.via_name;
    m_out.decision = std::max(m_out.decision, f.decision);
    m_out.findings.push_back(std::move(f));
  }

  const sql::Statement& m_statement;
  const Policy& m_policy;
  const UnitState& m_unit;
  Verdict& m_out;
};

// mode = "monitor" of the active profile, after everything else: every refusal becomes a warning
// (the statement runs and the door records it), and the finding keeps what it would have been.
void monitor(const Policy& policy, Verdict& verdict) {
  const std::string by = "the monitor mode of " + cite(policy, *policy.active_profile, "");
  verdict.decision = Decision::allow;
  for (Finding& f : verdict.findings) {
    if (refuses(f.decision)) {
      f.detail = fmt::format("Would be refused{} by {}: {}. It runs because of {}, and is recorded.",
                             f.decision == Decision::approve ? " without a human approval" : "", who(policy), f.rule,
                             by);
      f.rule = fmt::format("{}, downgraded from \"{}\" to \"warn\" by {}", f.rule, to_string(f.decision), by);
      f.monitored_from = f.decision;
      f.decision = Decision::warn;
    }
    verdict.decision = std::max(verdict.decision, f.decision);
  }
}

}  // namespace

Verdict evaluate(const sql::Statement& statement, const Policy& policy, UnitState& unit) {
  Verdict verdict;
  Judge judge(statement, policy, unit, verdict);
  for (const sql::Effect& e : statement.effects()) judge.effect(e);
  if (policy.active_profile && policy.active_profile->monitor) monitor(policy, verdict);
  unit.record(statement, policy);
  return verdict;
}

}  // namespace pgwarden::policy
