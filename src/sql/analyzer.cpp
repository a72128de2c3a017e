#include "sql/analyzer.hpp"

#include <algorithm>
#include <cctype>

#include "common/clock_cache.hpp"
#include "common/source_position.hpp"
#include "sql/pg/analyze_chunk.hpp"

namespace pgwarden::sql {

namespace {

using ChunkResult = std::vector<pg::ChunkStatement>;

// Inputs up to this size are cached whole (key: options + text).
constexpr std::size_t k_max_cached_input = 64 * 1024;

// A one-statement chunk whose analysis no constant's value can change, kept by its literal
// shape (split.hpp): another chunk of the same shape gets the same analysis without a parse.
struct ShapedChunk {
  std::size_t chunk_size = 0;  // of the chunk that was parsed; the statement's length follows it
  pg::ChunkStatement statement;
};

// Whether any constant's value could change this analysis. A read of tables with no function
// call at all, nothing hidden (no CTE writes, rules, PREPARE, EXPLAIN ANALYZE, routine bodies)
// and no schema change reads the same tables whatever its constants say. A row change of the
// same kind changes the same tables the same way when every constant is a value the analysis
// never reads (Analysis::constant_values_matter: `SET balance = balance + 42 WHERE id = 7`, a
// VALUES row). Anything else may depend on a value: set_config('session_replication_role', ...),
// SET, a DO body in a string, `WHERE 1 = 1` deciding whether a DELETE filters, UPDATE
// pg_settings.
bool literal_insensitive(const Analysis& a) {
  if (!a.error.empty() || a.limit_exceeded || a.calls_functions || !a.called_functions.empty() ||
      !a.changes.empty()) {
    return false;
  }
  bool changes_rows = false;
  for (const auto& e : a.effects) {
    if (e.via != Via::direct || e.fact != UnitFact::none) return false;
    switch (e.action) {
      case Action::read: break;
      case Action::write:
      case Action::update_all:
      case Action::delete_rows:
      case Action::delete_all: changes_rows = true; break;
      default: return false;
    }
  }
  return !a.effects.empty() && !(changes_rows && a.constant_values_matter);
}

// An input's key is its text, tagged with the options it was analyzed under.
std::uint8_t options_tag(AnalyzeOptions options) {
  return static_cast<std::uint8_t>((options.standard_conforming_strings ? 1 : 0) |
                                   (options.psql_meta_commands ? 2 : 0));
}

using ChunkRef = ClockCache<ChunkResult>::Ref;

}  // namespace

StatementList::StatementList(std::vector<Statement> statements) {
  if (statements.size() == 1) {
    m_single = true;
    m_one = std::move(statements.front());
  } else {
    m_many = std::move(statements);
  }
}

struct Analyzer::Caches {
  // Each keeps what it is given a second time (common/clock_cache.hpp): a stream of texts with
  // their constants written in (a proxy's simple-protocol traffic) would otherwise turn every
  // cache over without a single hit.
  explicit Caches(std::size_t capacity)
      : inputs(capacity, Admission::second_sighting),
        chunks(capacity, Admission::second_sighting),
        shapes(capacity, Admission::second_sighting) {}
  ClockCache<StatementList> inputs;
  // libpg_query always lexes with standard_conforming_strings on; the splitter has already
  // applied the unit's setting when it cut the chunk, so the chunk text alone is the key.
  ClockCache<ChunkResult> chunks;
  ClockCache<ShapedChunk> shapes;  // by literal shape, standard_conforming_strings on only
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
  out.push_back(Statement{.text = std::string(text.substr(0, 200)),
                          .location = Location{0, text.size(), 1, 1},
                          .analysis = std::move(a)});
  return out;
}

// The chunk's statements from the caches when they have them, else parsed and transformed (and
// then kept).
ChunkRef analyze_chunk_cached(const std::string& chunk_text, const Chunk& chunk,
                              bool standard_strings, Analyzer::Caches* caches) {
  if (caches == nullptr) return ChunkRef::make(pg::analyze_chunk(chunk_text, 0, chunk.nesting));
  if (auto hit = caches->chunks.find(chunk_text)) return hit;
  const std::string shape = standard_strings ? literal_shape(chunk_text) : std::string();
  if (!shape.empty()) {
    if (auto same = caches->shapes.find(shape)) {
      // Same statement, other constants: only the statement's length moves with theirs.
      pg::ChunkStatement st = same->statement;
      st.length = st.length + chunk_text.size() - same->chunk_size;
      return ChunkRef::make(ChunkResult{std::move(st)});
    }
  }
  ChunkResult result = pg::analyze_chunk(chunk_text, 0, chunk.nesting);
  if (!shape.empty() && result.size() == 1 && literal_insensitive(*result.front().analysis)) {
    // Kept by shape only: the next chunk of this shape will have other constants, not this text.
    auto shaped = std::make_shared<Analysis>(*result.front().analysis);
    shaped->shaped = true;
    result.front().analysis = std::move(shaped);
    caches->shapes.insert(shape, ShapedChunk{chunk_text.size(), result.front()});
    return ChunkRef::make(std::move(result));
  }
  return caches->chunks.insert(chunk_text, std::move(result));
}

// Split, then each chunk from the caches (when given) or parsed and transformed.
std::vector<Statement> analyze_text(std::string_view text, AnalyzeOptions options,
                                    Analyzer::Caches* caches) {
  std::vector<Statement> out;
  const LineIndex lines(text);
  SplitOptions split{options.standard_conforming_strings, options.psql_meta_commands};
  // Shapes are read with standard_conforming_strings on: not for a text that reads strings
  // otherwise or may switch how it reads them.
  const bool shapes_apply =
      options.standard_conforming_strings && !contains_folded(text, "standard_conforming_strings");
  for (const Chunk& chunk : split_statements(text, split)) {
    const std::string chunk_text(text.substr(chunk.begin, chunk.end - chunk.begin));
    const auto result = analyze_chunk_cached(chunk_text, chunk, shapes_apply, caches);
    for (const auto& st : *result) {
      const std::size_t offset = chunk.begin + st.offset;
      const SourcePosition pos = lines.position(offset);
      out.push_back(Statement{.text = std::string(text.substr(offset, st.length)),
                              .location = Location{offset, st.length, pos.line, pos.column},
                              .analysis = st.analysis});
    }
  }
  return out;
}

}  // namespace

Statements Analyzer::analyze(std::string_view text, AnalyzeOptions options) {
  if (text.size() > k_max_input_bytes) {
    return Statements(Statements::Ref::make(StatementList(over_the_limit(text))));
  }
  const std::uint8_t tag = options_tag(options);
  const bool cache_input = m_caches && text.size() <= k_max_cached_input;
  if (cache_input) {
    if (auto hit = m_caches->inputs.find(text, tag)) return Statements(std::move(hit));
  }
  StatementList out(analyze_text(text, options, m_caches.get()));
  // Kept whole even when it came by shape: an input repeated exactly is common (the same query
  // from a loop), and the clock lets a one-off input go without pushing out a repeated one.
  if (cache_input) return Statements(m_caches->inputs.insert(text, std::move(out), tag));
  return Statements(Statements::Ref::make(std::move(out)));
}

std::vector<Statement> analyze(std::string_view text, AnalyzeOptions options) {
  if (text.size() > k_max_input_bytes) return over_the_limit(text);
  return analyze_text(text, options, nullptr);
}

}  // namespace pgwarden::sql
