#include "policy/evaluator.hpp"

namespace pgwarden::policy {

Evaluator::Evaluator(std::shared_ptr<const Policy> policy, std::size_t capacity)
    : m_policy(std::move(policy)), m_verdicts(capacity) {}

Verdict Evaluator::evaluate(const sql::Statement& statement, UnitState& unit) {
  if (!unit.empty()) return policy::evaluate(statement, *m_policy, unit);
  if (auto kept = m_verdicts.find(statement.analysis)) {
    unit.record(statement, *m_policy);
    return *kept;
  }
  Verdict verdict = policy::evaluate(statement, *m_policy, unit);
  m_verdicts.insert(statement.analysis, std::make_shared<const Verdict>(verdict));
  return verdict;
}

}  // namespace pgwarden::policy
