// sql: the analyzer. What would this SQL do?
//
// In: SQL text (one unit: a `check` input, a migration file, a proxy message). Out: its
// statements with locations and effects (sql/statement.hpp), every one classified by an action
// of the closed list. Knows nothing of policies, files, sockets or shells; libpg_query stays
// behind src/sql/pg/.
//
// Pipeline: split (sql/split.hpp, our own lexer) -> parse each chunk (libpg_query, PostgreSQL 15)
// -> transform the tree into effects (sql/pg/transform*.cpp). A chunk that does not parse is one
// `parse_error` statement; the statements around it are still judged.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock_cache.hpp"
#include "sql/split.hpp"
#include "sql/statement.hpp"

namespace pgwarden::sql {

// Inputs larger than this are refused whole, as one parse_error whose limit was exceeded.
inline constexpr std::size_t k_max_input_bytes = std::size_t{1} << 20;

struct AnalyzeOptions {
  bool standard_conforming_strings = true;
  bool psql_meta_commands = false;  // see SplitOptions
};

// The statements of one input, kept with the input's text in one entry of the analyzer's cache:
// the first (usually the only) statement inline, so that a hit reads one stretch of memory.
class StatementList {
 public:
  StatementList() = default;
  explicit StatementList(std::vector<Statement> statements);
  [[nodiscard]] std::span<const Statement> all() const {
    return m_single ? std::span<const Statement>(&m_one, 1) : std::span<const Statement>(m_many);
  }

 private:
  bool m_single = false;          // first: a hit reads it, then m_one's front
  Statement m_one;                // when there is exactly one
  std::vector<Statement> m_many;  // when there are none or more than one
};

// The statements of one input, shared with the analyzer's cache and immutable: a cache hit
// costs a lookup, not a copy. A value (it owns its share), so `for (auto& st : a.analyze(t))`
// is safe.
class Statements {
 public:
  using Ref = ClockCache<StatementList>::Ref;
  explicit Statements(Ref all) : m_all(std::move(all)) {}
  [[nodiscard]] auto begin() const { return m_all->all().begin(); }
  [[nodiscard]] auto end() const { return m_all->all().end(); }
  [[nodiscard]] std::size_t size() const { return m_all->all().size(); }
  [[nodiscard]] bool empty() const { return m_all->all().empty(); }
  [[nodiscard]] const Statement& operator[](std::size_t i) const { return m_all->all()[i]; }
  [[nodiscard]] std::span<const Statement> all() const { return m_all->all(); }
  // The very result another call handed out (a cache hit), not only an equal one.
  [[nodiscard]] bool same_result_as(const Statements& other) const {
    return m_all.same(other.m_all);
  }

 private:
  Ref m_all;
};

class Analyzer {
 public:
  // `cache_capacity` whole inputs and as many statements of exact text are kept (0: no cache):
  // a repeated input skips even the splitter; a statement seen in another input skips the
  // parser. What is seen once is not kept; its second analysis is. The cache is shared by every
  // call and safe to use from several threads.
  explicit Analyzer(std::size_t cache_capacity = 0);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  [[nodiscard]] Statements analyze(std::string_view text, AnalyzeOptions options = {});

  struct Caches;  // opaque: analyzer.cpp

 private:
  std::unique_ptr<Caches> m_caches;  // null without a cache
};

// One-shot analysis without a cache.
std::vector<Statement> analyze(std::string_view text, AnalyzeOptions options = {});

}  // namespace pgwarden::sql
