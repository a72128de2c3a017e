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

// A kept verdict, and whether recording its statement changes a unit (creates or renames
// something). Most statements change nothing. One that does leaves an empty unit (a verdict is
// kept only for an empty unit) in the same state every time, kept here too: a hit hands it to
// the unit instead of reading the analysis's effects again and resolving their names.
struct Evaluator::Kept {
  bool changes_unit = false;
  Verdict verdict;
  UnitState after;  // changes_unit: the unit after recording the statement into an empty one
};

namespace {

// Shared verdicts stop at this many distinct action lists (a hostile stream of statements could
// otherwise grow the map); later lists keep verdicts of their own, as before.
constexpr std::size_t k_max_shared_verdicts = 4096;

}  // namespace

std::shared_ptr<const Evaluator::Kept> Evaluator::shared_allowed(std::shared_ptr<const Kept> kept) {
  if (!plainly_allowed(kept->verdict) || kept->changes_unit) {
    return kept;
  }
  const std::lock_guard lock(m_shared_mutex);
  if (auto it = m_shared.find(kept->verdict.actions); it != m_shared.end()) return it->second;
  if (m_shared.size() < k_max_shared_verdicts) m_shared.emplace(kept->verdict.actions, kept);
  return kept;
}

std::shared_ptr<const Verdict> Evaluator::evaluate(const sql::Statement& statement, UnitState& unit,
                                                   bool* cached, const RelationCatalog* catalog) {
  if (cached != nullptr) *cached = false;
  if (!m_keep) return std::make_shared<const Verdict>(policy::evaluate(statement, *m_policy, unit, catalog));
  const bool empty = unit.empty();
  // A unit that only knows who the session is judges as an empty one: verdicts are kept for it too.
  const bool neutral = empty || unit.neutral(*m_policy);
  // Kept verdicts are this evaluator's for one catalog snapshot (or none): ids below 2^32 each.
  const std::uint64_t owner = (m_id << 32) | (catalog != nullptr ? (catalog->id() & 0xffffffffU) : 0U);
  auto found = statement.derived.get(owner);
  if (!found) {
    found = statement.analysis->derived.get(owner);
    if (found) statement.derived.set(owner, found);
  }
  // A verdict kept for an empty unit holds in any unit that does not bear on the statement (a
  // session that made a temp table of its own, a transaction that has changed nothing the
  // statement names, goes on reusing verdicts); one judged for such a unit is kept likewise.
  const bool bears = !neutral && unit.bears_on(statement, *m_policy);
  if (found && !bears) {
    if (cached != nullptr) *cached = true;
    const auto* kept = static_cast<const Kept*>(found.get());
    if (empty && kept->changes_unit) {
      // Now as recording the statement leaves it.
      unit.share(std::shared_ptr<const UnitState>(found, &kept->after));
    } else if (!empty && UnitState::changes_units(statement)) {
      // It left an empty unit as it was, but may end this unit's transaction, drop what it
      // created, ...
      unit.record(statement, *m_policy);
    }
    return {std::move(found), &kept->verdict};  // moved, not copied: one reference count less
  }
  if (bears) return std::make_shared<const Verdict>(policy::evaluate(statement, *m_policy, unit, catalog));
  auto fresh = std::make_shared<Kept>();
  if (empty) {
    fresh->verdict = policy::evaluate(statement, *m_policy, unit, catalog);
    fresh->changes_unit = !unit.empty();  // it was empty before: evaluate recorded the statement
    if (fresh->changes_unit) fresh->after = unit;
  } else {
    // Judged in an empty unit, which is what is kept (this unit's identity is its own); this
    // unit records the statement itself.
    UnitState blank;
    fresh->verdict = policy::evaluate(statement, *m_policy, blank, catalog);
    fresh->changes_unit = !blank.empty();
    if (fresh->changes_unit) fresh->after = blank;
    if (UnitState::changes_units(statement)) unit.record(statement, *m_policy);
  }
  auto kept = shared_allowed(std::move(fresh));
  // An analysis shared by texts of one shape keeps only what holds for all of them: a refusal's
  // or a warning's words quote this statement's constants (policy::evaluate).
  if (!statement.analysis->shaped || plainly_allowed(kept->verdict)) statement.analysis->derived.set(owner, kept);
  statement.derived.set(owner, kept);
  const Verdict* verdict = &kept->verdict;
  return {std::move(kept), verdict};
}

}  // namespace pgwarden::policy
