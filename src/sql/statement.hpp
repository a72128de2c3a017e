// One statement of a unit: where it is in the text and what it would do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/spin_lock.hpp"
#include "sql/effect.hpp"
#include "sql/schema_change.hpp"

namespace pgwarden::sql {

struct Location {
  std::size_t offset = 0;  // byte offset of the statement's first token in the unit's text
  std::size_t length = 0;  // bytes, up to but excluding the terminating ';'
  int line = 1;            // 1-based
  int column = 1;          // 1-based, in characters
};

// What a door derived from an analysis and keeps beside it (policy::Evaluator keeps its verdict
// here), so that finding it again costs no lookup. Owners are named by ids unique for the
// process's life; `Ways` of them are kept, and one more replaces the one set longest ago. Safe to
// use from several threads.
//
// Small on purpose: it sits at the front of Analysis and of Statement, where a hit has just
// read, and a hit reads nothing else. The lock is held for a shared_ptr copy only: a SpinLock of
// one byte, where a 40-byte mutex would push the slot into another cache line.
template <int Ways>
class DerivedSlot {
  static_assert(Ways >= 1);

 public:
  DerivedSlot() = default;
  // What was derived stays with the object it was derived for: a copy starts empty.
  DerivedSlot(const DerivedSlot& /*other*/) {}
  DerivedSlot& operator=(const DerivedSlot& other) {
    if (this != &other) {
      Way cleared[Ways];
      const std::lock_guard lock(m_busy);
      std::swap(m_ways, cleared);  // released after the lock, with `cleared`
    }
    return *this;
  }
  ~DerivedSlot() = default;

  [[nodiscard]] std::shared_ptr<const void> get(std::uint64_t owner) const {
    const std::lock_guard lock(m_busy);
    for (const Way& w : m_ways) {
      if (w.owner == owner && owner != 0) return w.value;
    }
    return nullptr;
  }
  void set(std::uint64_t owner, std::shared_ptr<const void> value) const {
    const std::lock_guard lock(m_busy);
    int way = (m_last + 1) % Ways;  // the one set longest ago, unless the owner has one
    for (int i = 0; i < Ways; ++i) {
      if (m_ways[i].owner == owner) way = i;
    }
    m_ways[way].owner = owner;
    m_ways[way].value.swap(value);  // the old value is released after the lock, by `value`
    m_last = way;
  }

 private:
  struct Way {
    std::uint64_t owner = 0;  // 0: empty
    std::shared_ptr<const void> value;
  };
  mutable SpinLock m_busy;
  mutable int m_last = Ways - 1;  // the way set last
  mutable Way m_ways[Ways];
};

// The analysis of one statement's text. Immutable and shared: identical statement text gives an
// identical analysis, so the analyzer's cache hands the same object to every user.
struct Analysis {
  // Not part of the analysis, first for a hit's sake: see DerivedSlot. Two ways: one statement
  // judged under two policy profiles keeps both verdicts.
  DerivedSlot<2> derived;
  std::vector<Effect> effects;   // never empty: a statement that does nothing is `session`
  std::string error;             // parse_error: what PostgreSQL's parser said
  std::size_t error_offset = 0;  // parse_error: byte offset in the statement text
  std::vector<std::string> called_functions;  // user functions the statement calls (qualified)
  // Calls no call syntax shows, for doors that know the database's functions: the operators the
  // statement applies (bare names: `a ### b`, OPERATOR(s.###), ORDER BY ... USING), and the last
  // field of qualified column references (`s.purge`, `(s).purge`), which PostgreSQL reads as the
  // call purge(s) when no column has that name.
  std::vector<std::string> operators;
  std::vector<std::string> field_names;
  std::vector<std::string> type_names;  // types it names (casts, column definitions): a domain's CHECK runs
  // The relations its FROM clauses read (as written): a view's definition runs when it is read.
  std::vector<ObjectName> relations_read;
  bool calls_functions = false;  // any function call at all, built in or not (see literal_shape)
  // A constant stands where its value could change this analysis (`WHERE 1 = 1`, `'t'::bool`):
  // anywhere but against a non-constant in an operator, in an UPDATE's SET or in a VALUES row.
  bool constant_values_matter = false;
  // Shared by every text of one literal shape (sql/analyzer.cpp): statements with other
  // constants hand in this analysis, whose hints' rewrites quote the first one's. A door judges
  // such a statement's refusal on an analysis of its own text (policy::evaluate).
  bool shaped = false;
  bool limit_exceeded = false;   // refused for size or nesting, whatever on_parse_error says
  std::vector<SchemaChange> changes;  // what a top-level DDL or utility statement changes, how
};

struct Statement {
  // What a door derived for this very statement (a cache hit hands out the same Statement
  // objects): found without reading the analysis. Analysis::derived serves the statements of
  // other texts with the same analysis, and other profiles' verdicts. First, so that it shares
  // a cache line with what a hit has just read.
  DerivedSlot<1> derived;
  std::string text;
  Location location;
  std::shared_ptr<const Analysis> analysis;

  [[nodiscard]] const std::vector<Effect>& effects() const { return analysis->effects; }
  [[nodiscard]] bool is_parse_error() const { return !analysis->error.empty(); }
};

}  // namespace pgwarden::sql
