// One statement of a unit: where it is in the text and what it would do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
// here), so that finding it again costs no lookup. One owner at a time, named by an id unique
// for the process's life; safe to use from several threads.
class DerivedSlot {
 public:
  [[nodiscard]] std::shared_ptr<const void> get(std::uint64_t owner) const {
    const std::lock_guard lock(m_mutex);
    return m_owner == owner ? m_value : nullptr;
  }
  void set(std::uint64_t owner, std::shared_ptr<const void> value) const {
    const std::lock_guard lock(m_mutex);
    m_owner = owner;
    m_value = std::move(value);
  }

 private:
  mutable std::mutex m_mutex;
  mutable std::uint64_t m_owner = 0;
  mutable std::shared_ptr<const void> m_value;
};

// The analysis of one statement's text. Immutable and shared: identical statement text gives an
// identical analysis, so the analyzer's cache hands the same object to every user.
struct Analysis {
  std::vector<Effect> effects;  // never empty: a statement that does nothing is `session`
  std::string error;            // parse_error: what PostgreSQL's parser said
  std::size_t error_offset = 0; // parse_error: byte offset in the statement text
  std::vector<std::string> called_functions;  // user functions the statement calls (qualified)
  bool calls_functions = false;  // any function call at all, built in or not (see literal_shape)
  bool limit_exceeded = false;  // refused for size or nesting, whatever on_parse_error says
  std::vector<SchemaChange> changes;  // what a top-level DDL or utility statement changes, how
  DerivedSlot derived;          // not part of the analysis: see DerivedSlot
};

struct Statement {
  std::string text;
  Location location;
  std::shared_ptr<const Analysis> analysis;

  [[nodiscard]] const std::vector<Effect>& effects() const { return analysis->effects; }
  [[nodiscard]] bool is_parse_error() const { return !analysis->error.empty(); }
};

}  // namespace pgwarden::sql
