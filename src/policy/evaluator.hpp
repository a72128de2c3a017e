// A policy engine for a door that sees the same statements again and again (the proxy, the
// benchmark): `evaluate` of evaluate.hpp, with its verdicts kept per analysis.
//
// A verdict depends on the statement's analysis, the policy and the unit state. The analyzer's
// cache hands out the same analysis for the same text, so the verdict for an analysis in an
// empty unit is computed once and kept beside the analysis (sql::DerivedSlot): it lives as long
// as the analyzer's cache keeps the analysis. It serves any unit that does not bear on the
// statement (UnitState::bears_on): a session that created a temp table still reuses verdicts
// for statements that do not name it. The evaluator holds its policy for its whole life; a
// reloaded policy gets a new evaluator, whose verdicts replace the old ones. Each profile's
// derived policy (policy/profile.hpp) gets an evaluator of its own, shared by the connections
// of that profile.
//
// Most statements are allowed without a finding, and such a verdict is nothing but the list of
// the statement's actions: the evaluator keeps one verdict per distinct list and every statement
// with that list shares it. A repeated statement then reads a verdict that is already in the
// CPU's caches instead of one of its own (docs/performance.md), and the kept verdicts of a large
// working set take a few objects instead of one each.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "policy/evaluate.hpp"

namespace pgwarden::policy {

class Evaluator {
 public:
  // `keep_verdicts` false: every call evaluates (the same as policy::evaluate).
  Evaluator(std::shared_ptr<const Policy> policy, bool keep_verdicts);

  // Same result as policy::evaluate(statement, policy(), unit), including what it records in
  // `unit`. The verdict is shared with the cache and immutable: a hit costs a lookup, not a copy.
  // `cached`, when given, says whether the verdict was a kept one (for the proxy's metrics).
  // With `catalog`, the verdicts kept are the ones computed with that very snapshot.
  std::shared_ptr<const Verdict> evaluate(const sql::Statement& statement, UnitState& unit,
                                          bool* cached = nullptr, const RelationCatalog* catalog = nullptr);

  [[nodiscard]] const Policy& policy() const { return *m_policy; }

 private:
  std::shared_ptr<const Policy> m_policy;
  bool m_keep;
  std::uint64_t m_id;  // names this evaluator's verdicts in the analyses' slots

  struct Kept;
  std::shared_ptr<const Kept> shared_allowed(std::shared_ptr<const Kept> kept);
  std::mutex m_shared_mutex;
  std::map<std::vector<sql::Action>, std::shared_ptr<const Kept>> m_shared;  // see above
};

}  // namespace pgwarden::policy
