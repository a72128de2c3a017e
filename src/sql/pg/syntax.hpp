// The handle an Effect keeps on its DELETE, UPDATE or INSERT ... ON CONFLICT statement, for the
// rewrites of hints (sql/rewrite.hpp, deparse.cpp).
//
// The analysis reads PostgreSQL's raw nodes, which die with their parse; a hint is needed only
// when a statement is refused. So the handle keeps the text that was parsed and where the
// statement's target relation is in it; a rewrite parses the text again and finds the statement
// by that location with the same transform (find_dml), then deparses the rewritten statement.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/error.hpp"

namespace pgwarden::sql {

class SyntaxHandle {
 public:
  SyntaxHandle(std::shared_ptr<const std::string> text, int relation_location)
      : m_text(std::move(text)), m_relation_location(relation_location) {}

  // The parsed text (a chunk of the unit, possibly holding several statements).
  [[nodiscard]] const std::string& text() const { return *m_text; }
  // Byte offset in text() of the statement's target relation (RangeVar.location).
  [[nodiscard]] int relation_location() const { return m_relation_location; }

  // A rewrite of this statement (for a hint), computed once per `key` and kept: the analysis is
  // shared through the analyzer's cache, so a repeated refusal does not deparse again.
  template <class Compute>
  Expected<std::string> rewrite(const std::string& key, Compute compute) const {
    {
      const std::lock_guard lock(m_mutex);
      if (auto it = m_rewrites.find(key); it != m_rewrites.end()) return it->second;
    }
    Expected<std::string> value = compute();
    const std::lock_guard lock(m_mutex);
    m_rewrites.emplace(key, value);
    return value;
  }

 private:
  std::shared_ptr<const std::string> m_text;
  int m_relation_location;
  mutable std::mutex m_mutex;
  mutable std::map<std::string, Expected<std::string>> m_rewrites;
};

}  // namespace pgwarden::sql
