// A policy engine for a door that sees the same statements again and again (the proxy, the
// benchmark): `evaluate` of evaluate.hpp, with its verdicts kept per analysis.
//
// A verdict depends on the statement's analysis, the policy and the unit state. The analyzer's
// cache hands out the same analysis for the same text, so while the unit has created or renamed
// nothing, the verdict for an analysis is computed once. The evaluator holds its policy for its
// whole life; a reloaded policy gets a new evaluator.
#pragma once

#include <cstddef>
#include <memory>

#include "common/lru_cache.hpp"
#include "policy/evaluate.hpp"

namespace pgwarden::policy {

class Evaluator {
 public:
  Evaluator(std::shared_ptr<const Policy> policy, std::size_t capacity);

  // Same result as policy::evaluate(statement, policy(), unit), including what it records in
  // `unit`.
  Verdict evaluate(const sql::Statement& statement, UnitState& unit);

  [[nodiscard]] const Policy& policy() const { return *m_policy; }

 private:
  std::shared_ptr<const Policy> m_policy;
  // Keyed by the analysis itself: the key pins it, so its address is not reused while it is here.
  LruCache<std::shared_ptr<const sql::Analysis>, Verdict> m_verdicts;
};

}  // namespace pgwarden::policy
