#include "db/refusals.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "policy/evaluate.hpp"
#include "sql/analyzer.hpp"
#include "sql/effect.hpp"

namespace pgwarden::db {
namespace {

// The WHERE of the synthesized DELETE and UPDATE: a bare column reference, which the analyzer
// reads as a condition (not constant true) and the hints copy into their rewrites.
constexpr std::string_view k_condition = "pgwarden_same_condition";

// Asks the engine about one statement; std::nullopt when nothing refuses it. `prefer` is an
// action shown first among equally strict findings (UPDATE: mutate_append_only, so that every
// column of an append-only table is refused alike and one guard covers the whole row).
std::optional<Refusal> ask(const policy::Policy& policy, const std::string& statement,
                           std::optional<sql::Action> prefer = std::nullopt) {
  const auto statements = sql::analyze(statement);
  if (statements.size() != 1) return std::nullopt;
  policy::UnitState unit;
  const policy::Verdict verdict = policy::evaluate(statements.front(), policy, unit);
  if (!policy::refuses(verdict.decision)) return std::nullopt;
  const policy::Finding* shown = nullptr;
  Refusal out;
  out.decision = verdict.decision;
  for (const auto& f : verdict.findings) {
    if (!policy::refuses(f.decision)) continue;
    const std::string action(sql::to_string(f.action));
    if (std::find(out.actions.begin(), out.actions.end(), action) == out.actions.end())
      out.actions.push_back(action);
    const bool better = shown == nullptr || f.decision > shown->decision ||
                        (f.decision == shown->decision && prefer && f.action == *prefer &&
                         shown->action != *prefer);
    if (better) shown = &f;
  }
  const std::string first(sql::to_string(shown->action));
  std::stable_partition(out.actions.begin(), out.actions.end(),
                        [&](const std::string& a) { return a == first; });
  out.message = shown->message;
  out.detail = shown->detail;
  out.hint = hint_text(shown->hint);
  return out;
}

}  // namespace

std::string hint_text(std::string hint) {
  const std::string marker = fmt::format("WHERE {}", k_condition);
  const std::string said = "WHERE <the same condition>";
  for (auto at = hint.find(marker); at != std::string::npos;
       at = hint.find(marker, at + said.size())) {
    hint.replace(at, marker.size(), said);
  }
  return hint;
}

TableRefusals judge_table(const policy::Policy& policy, const std::string& schema,
                          const std::string& name, const std::vector<TableColumn>& columns) {
  const std::string table = sql::ObjectName{schema, name}.display();
  TableRefusals out;
  out.truncate = ask(policy, fmt::format("TRUNCATE {}", table));
  out.delete_rows = ask(policy, fmt::format("DELETE FROM {} WHERE {}", table, k_condition));
  out.delete_all = ask(policy, fmt::format("DELETE FROM {}", table));
  out.drop_table = ask(policy, fmt::format("DROP TABLE {}", table));
  for (const auto& c : columns) {
    auto refusal = ask(policy,
                       fmt::format("UPDATE {} SET {} = NULL WHERE {}", table,
                                   sql::quote_identifier(c.name), k_condition),
                       sql::Action::mutate_append_only);
    if (refusal) out.update.push_back({c.attnum, c.name, std::move(*refusal)});
  }
  const auto same_finding = [](const Refusal& a, const Refusal& b) {
    return a.decision == b.decision && a.actions.front() == b.actions.front() &&
           a.message == b.message && a.detail == b.detail && a.hint == b.hint;
  };
  const bool append_only =
      !columns.empty() && out.update.size() == columns.size() &&
      out.update.front().refusal.actions.front() ==
          sql::to_string(sql::Action::mutate_append_only) &&
      std::all_of(out.update.begin(), out.update.end(), [&](const ColumnRefusal& c) {
        return same_finding(c.refusal, out.update.front().refusal);
      });
  if (append_only) {
    Refusal row = out.update.front().refusal;
    for (const auto& c : out.update) {
      for (const auto& a : c.refusal.actions) {
        if (std::find(row.actions.begin(), row.actions.end(), a) == row.actions.end())
          row.actions.push_back(a);
      }
    }
    out.update_row = std::move(row);
  }
  return out;
}

}  // namespace pgwarden::db
