#include "policy/evaluator.hpp"

#include <atomic>

namespace pgwarden::policy {
namespace {

std::uint64_t next_id() {
  static std::atomic<std::uint64_t> last{0};
  return ++last;
}

}  // namespace

Evaluator::Evaluator(std::shared_ptr<const Policy> policy, bool keep_verdicts)
    : m_policy(std::move(policy)), m_keep(keep_verdicts), m_id(next_id()) {}

std::shared_ptr<const Verdict> Evaluator::evaluate(const sql::Statement& statement, UnitState& unit, bool* cached) {
  const bool keep = m_keep && unit.empty();
  if (cached != nullptr) *cached = false;
  if (keep) {
    if (auto kept = statement.analysis->derived.get(m_id)) {
      if (cached != nullptr) *cached = true;
      unit.record(statement, *m_policy);
      return std::static_pointer_cast<const Verdict>(kept);
    }
  }
  auto verdict = std::make_shared<const Verdict>(policy::evaluate(statement, *m_policy, unit));
  if (keep) statement.analysis->derived.set(m_id, verdict);
  return verdict;
}

}  // namespace pgwarden::policy
