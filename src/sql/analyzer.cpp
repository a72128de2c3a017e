#include "sql/analyzer.hpp"

#include "common/lru_cache.hpp"
#include "common/source_position.hpp"
#include "sql/pg/analyze_chunk.hpp"

namespace pgwarden::sql {

namespace {

using ChunkResult = std::vector<pg::ChunkStatement>;

// Inputs up to this size are cached whole (key: options + text).
constexpr std::size_t k_max_cached_input = 64 * 1024;

// An input cache key is two option bytes and the text; a lookup hashes and compares the text in
// place, without building the key.
struct InputKey {
  char options[2];
  std::string_view text;
};

InputKey input_key_of(const std::string& key) { return {{key[0], key[1]}, std::string_view(key).substr(2)}; }

struct InputHash {
  using is_transparent = void;
  std::size_t operator()(const InputKey& k) const {
    return std::hash<std::string_view>{}(k.text) ^ (static_cast<std::size_t>(k.options[0]) * 31U + k.options[1]);
  }
  std::size_t operator()(const std::string& key) const { return (*this)(input_key_of(key)); }
};

struct InputEqual {
  using is_transparent = void;
  static bool same(const InputKey& a, const InputKey& b) {
    return a.options[0] == b.options[0] && a.options[1] == b.options[1] && a.text == b.text;
  }
  bool operator()(const std::string& a, const std::string& b) const { return a == b; }
  bool operator()(const InputKey& a, const std::string& b) const { return same(a, input_key_of(b)); }
  bool operator()(const std::string& a, const InputKey& b) const { return same(input_key_of(a), b); }
};

}  // namespace

struct Analyzer::Caches {
  explicit Caches(std::size_t capacity) : inputs(capacity), chunks(capacity) {}
  LruCache<std::string, std::vector<Statement>, InputHash, InputEqual> inputs;
  // libpg_query always lexes with standard_conforming_strings on; the splitter has already
  // applied the unit's setting when it cut the chunk, so the chunk text alone is the key.
  LruCache<std::string, ChunkResult> chunks;
};

Analyzer::Analyzer(std::size_t cache_capacity)
    : m_caches(cache_capacity > 0 ? std::make_unique<Caches>(cache_capacity) : nullptr) {}

Analyzer::~Analyzer() = default;

namespace {

std::vector<Statement> over_the_limit(std::string_view text) {
  auto a = std::make_shared<Analysis>();
  a->error = "the input is " + std::to_string(text.size()) + " bytes; pgwarden analyzes at most " +
             std::to_string(k_max_input_bytes) + " bytes at once";
  a->limit_exceeded = true;
  Effect e;
  e.action = Action::parse_error;
  e.verb = "input over the size limit";
  a->effects.push_back(std::move(e));
  std::vector<Statement> out;
  out.push_back(Statement{std::string(text.substr(0, 200)), Location{0, text.size(), 1, 1}, std::move(a)});
  return out;
}

// Split, then each chunk from `chunks` (when given) or parsed and transformed.
std::vector<Statement> analyze_text(std::string_view text, AnalyzeOptions options,
                                    LruCache<std::string, ChunkResult>* chunks) {
  std::vector<Statement> out;
  const LineIndex lines(text);
  SplitOptions split{options.standard_conforming_strings, options.psql_meta_commands};
  for (const Chunk& chunk : split_statements(text, split)) {
    const std::string chunk_text(text.substr(chunk.begin, chunk.end - chunk.begin));
    std::shared_ptr<const ChunkResult> result = chunks != nullptr ? chunks->find(chunk_text) : nullptr;
    if (!result) {
      result = std::make_shared<const ChunkResult>(pg::analyze_chunk(chunk_text, 0, chunk.nesting));
      if (chunks != nullptr) chunks->insert(chunk_text, result);
    }
    for (const auto& st : *result) {
      const std::size_t offset = chunk.begin + st.offset;
      const SourcePosition pos = lines.position(offset);
      out.push_back(Statement{std::string(text.substr(offset, st.length)),
                              Location{offset, st.length, pos.line, pos.column}, st.analysis});
    }
  }
  return out;
}

}  // namespace

Statements Analyzer::analyze(std::string_view text, AnalyzeOptions options) {
  if (text.size() > k_max_input_bytes) {
    return Statements(std::make_shared<const std::vector<Statement>>(over_the_limit(text)));
  }
  const InputKey key{{options.standard_conforming_strings ? 's' : '-', options.psql_meta_commands ? 'p' : '-'}, text};
  const bool cache_input = m_caches && text.size() <= k_max_cached_input;
  if (cache_input) {
    if (auto hit = m_caches->inputs.find(key)) return Statements(std::move(hit));
  }
  auto out = std::make_shared<const std::vector<Statement>>(
      analyze_text(text, options, m_caches ? &m_caches->chunks : nullptr));
  if (cache_input) m_caches->inputs.insert(std::string(key.options, 2) + std::string(text), out);
  return Statements(std::move(out));
}

std::vector<Statement> analyze(std::string_view text, AnalyzeOptions options) {
  if (text.size() > k_max_input_bytes) return over_the_limit(text);
  return analyze_text(text, options, nullptr);
}

}  // namespace pgwarden::sql
