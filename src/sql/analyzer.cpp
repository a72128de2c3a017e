#include "sql/analyzer.hpp"

#include "common/source_position.hpp"
#include "sql/pg/analyze_chunk.hpp"

namespace pgwarden::sql {

struct Analyzer::ChunkResult {
  std::vector<pg::ChunkStatement> statements;
};

Analyzer::Analyzer(std::size_t cache_capacity) : m_capacity(cache_capacity) {}

// libpg_query always lexes with standard_conforming_strings on; the splitter has already applied
// the unit's setting when it cut the chunk, so the chunk text alone is the key.
std::shared_ptr<const Analyzer::ChunkResult> Analyzer::analyze_chunk(std::string_view chunk) {
  std::string key;
  if (m_capacity > 0) {
    key.assign(chunk);
    const std::lock_guard lock(m_mutex);
    if (auto it = m_cache.find(key); it != m_cache.end()) {
      m_order.splice(m_order.begin(), m_order, it->second.second);
      return it->second.first;
    }
  }
  auto result = std::make_shared<ChunkResult>();
  result->statements = pg::analyze_chunk(std::string(chunk));
  if (m_capacity > 0) {
    const std::lock_guard lock(m_mutex);
    if (m_cache.find(key) == m_cache.end()) {
      m_order.push_front(key);
      m_cache.emplace(std::move(key), std::make_pair(result, m_order.begin()));
      if (m_cache.size() > m_capacity) {
        m_cache.erase(m_order.back());
        m_order.pop_back();
      }
    }
  }
  return result;
}

std::vector<Statement> Analyzer::analyze(std::string_view text, AnalyzeOptions options) {
  std::vector<Statement> out;
  if (text.size() > k_max_input_bytes) {
    auto a = std::make_shared<Analysis>();
    a->error = "the input is " + std::to_string(text.size()) + " bytes; pgwarden analyzes at most " +
               std::to_string(k_max_input_bytes) + " bytes at once";
    a->limit_exceeded = true;
    Effect e;
    e.action = Action::parse_error;
    e.verb = "input over the size limit";
    a->effects.push_back(std::move(e));
    out.push_back(Statement{std::string(text.substr(0, 200)), Location{0, text.size(), 1, 1}, std::move(a)});
    return out;
  }
  const LineIndex lines(text);
  SplitOptions split{options.standard_conforming_strings, options.psql_meta_commands};
  for (const Chunk& chunk : split_statements(text, split)) {
    const std::string_view chunk_text = text.substr(chunk.begin, chunk.end - chunk.begin);
    const auto result = analyze_chunk(chunk_text);
    for (const auto& st : result->statements) {
      const std::size_t offset = chunk.begin + st.offset;
      const SourcePosition pos = lines.position(offset);
      out.push_back(Statement{std::string(text.substr(offset, st.length)),
                              Location{offset, st.length, pos.line, pos.column}, st.analysis});
    }
  }
  return out;
}

std::vector<Statement> analyze(std::string_view text, AnalyzeOptions options) {
  Analyzer analyzer(0);
  return analyzer.analyze(text, options);
}

}  // namespace pgwarden::sql
