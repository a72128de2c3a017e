#include "sql/analyzer.hpp"

#include "common/lru_cache.hpp"
#include "common/source_position.hpp"
#include "sql/pg/analyze_chunk.hpp"

namespace pgwarden::sql {

namespace {

using ChunkResult = std::vector<pg::ChunkStatement>;

// Inputs up to this size are cached whole (key: options + text).
constexpr std::size_t k_max_cached_input = 64 * 1024;

}  // namespace

struct Analyzer::Caches {
  explicit Caches(std::size_t capacity) : inputs(capacity), chunks(capacity) {}
  LruCache<std::string, std::vector<Statement>> inputs;
  // libpg_query always lexes with standard_conforming_strings on; the splitter has already
  // applied the unit's setting when it cut the chunk, so the chunk text alone is the key.
  LruCache<std::string, ChunkResult> chunks;
};

Analyzer::Analyzer(std::size_t cache_capacity)
    : m_capacity(cache_capacity), m_caches(cache_capacity > 0 ? std::make_unique<Caches>(cache_capacity) : nullptr) {}

Analyzer::~Analyzer() = default;

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
  std::string input_key;
  if (m_caches && text.size() <= k_max_cached_input) {
    input_key.reserve(text.size() + 2);
    input_key.push_back(options.standard_conforming_strings ? 's' : '-');
    input_key.push_back(options.psql_meta_commands ? 'p' : '-');
    input_key.append(text);
    if (auto hit = m_caches->inputs.find(input_key)) return *hit;
  }
  const LineIndex lines(text);
  SplitOptions split{options.standard_conforming_strings, options.psql_meta_commands};
  for (const Chunk& chunk : split_statements(text, split)) {
    const std::string chunk_text(text.substr(chunk.begin, chunk.end - chunk.begin));
    std::shared_ptr<const ChunkResult> result = m_caches ? m_caches->chunks.find(chunk_text) : nullptr;
    if (!result) {
      result = std::make_shared<const ChunkResult>(pg::analyze_chunk(chunk_text, 0, chunk.nesting));
      if (m_caches) m_caches->chunks.insert(chunk_text, result);
    }
    for (const auto& st : *result) {
      const std::size_t offset = chunk.begin + st.offset;
      const SourcePosition pos = lines.position(offset);
      out.push_back(Statement{std::string(text.substr(offset, st.length)),
                              Location{offset, st.length, pos.line, pos.column}, st.analysis});
    }
  }
  if (!input_key.empty()) m_caches->inputs.insert(std::move(input_key), std::make_shared<const std::vector<Statement>>(out));
  return out;
}

std::vector<Statement> analyze(std::string_view text, AnalyzeOptions options) {
  Analyzer analyzer(0);
  return analyzer.analyze(text, options);
}

}  // namespace pgwarden::sql
