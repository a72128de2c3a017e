#include "sql/pg/analyze_chunk.hpp"

#include <algorithm>
#include <cctype>

#include "common/large_stack.hpp"
#include "sql/pg/transform.hpp"
#include "sql/split.hpp"

namespace pgwarden::sql::pg {
namespace {

// Chunks this long may nest deeply enough to overflow a default 8 MiB stack in libpg_query's
// tree output (see common/large_stack.hpp): `SELECT 1+1+...` overflows it at about 15 KB. They
// are parsed on a large stack, and their trees are freed there too, so their effects keep no
// syntax handle (their hints are the generic ones, not rewrites of the statement).
constexpr std::size_t k_large_chunk_bytes = 4 * 1024;

std::string too_deep_message() {
  return "the statement nests deeper than pgwarden analyzes (" + std::to_string(k_max_tree_depth) +
         " levels of syntax, " + std::to_string(k_max_body_depth) + " levels of routine bodies)";
}

std::shared_ptr<Analysis> parse_error_analysis(std::string message, std::size_t offset, bool limit) {
  auto a = std::make_shared<Analysis>();
  a->error = std::move(message);
  a->error_offset = offset;
  a->limit_exceeded = limit;
  Effect e;
  e.action = Action::parse_error;
  e.verb = "statement that does not parse";
  a->effects.push_back(std::move(e));
  return a;
}

// Skips spaces and comments so that a statement's location is its first token.
std::size_t skip_space(const std::string& text, std::size_t pos, std::size_t end) {
  while (pos < end) {
    if (std::isspace(static_cast<unsigned char>(text[pos])) != 0) {
      ++pos;
    } else if (text.compare(pos, 2, "--") == 0) {
      const auto nl = text.find('\n', pos);
      pos = nl == std::string::npos ? end : nl + 1;
    } else if (text.compare(pos, 2, "/*") == 0) {
      const auto close = text.find("*/", pos + 2);  // nesting is rare between statements
      pos = close == std::string::npos ? end : close + 2;
    } else {
      break;
    }
  }
  return std::min(pos, end);
}

std::vector<ChunkStatement> analyze_here(const std::string& chunk, int body_depth, bool keep_tree) {
  std::vector<ChunkStatement> out;
  Parsed parsed = parse(chunk);
  if (!parsed.tree) {
    out.push_back({0, chunk.size(), parse_error_analysis(parsed.error, parsed.error_offset, false)});
    return out;
  }
  const auto& tree = *parsed.tree;
  for (std::size_t i = 0; i < tree.n_stmts; ++i) {
    const auto* raw = tree.stmts[i];
    auto begin = static_cast<std::size_t>(std::max(raw->stmt_location, 0));
    std::size_t end = raw->stmt_len == 0 ? chunk.size() : begin + static_cast<std::size_t>(raw->stmt_len);
    end = std::min(end, chunk.size());
    begin = skip_space(chunk, std::min(begin, end), end);

    auto analysis = std::make_shared<Analysis>();
    Context ctx{*analysis, keep_tree ? parsed.tree : nullptr,
                std::string_view(chunk).substr(begin, end - begin)};
    ctx.body_depth = body_depth;
    transform_statement(ctx, raw->stmt);
    if (ctx.too_deep) {
      analysis = parse_error_analysis(too_deep_message(), 0, true);
    } else if (analysis->effects.empty()) {
      Effect e;
      e.action = Action::session;
      e.verb = "statement";
      analysis->effects.push_back(std::move(e));
    }
    out.push_back({begin, end - begin, std::move(analysis)});
  }
  return out;
}

// Input whose nesting estimate (Chunk::nesting) exceeds this is refused before it is parsed:
// libpg_query copies a tree recursively and in time that grows with the square of its depth.
// The estimate is an upper bound of the depth in operators and brackets; a tree node level is
// at least one of those, so nothing under k_max_tree_depth is refused by it.
constexpr std::size_t k_max_nesting_estimate = 2 * static_cast<std::size_t>(k_max_tree_depth);

std::size_t nesting_estimate(const std::string& chunk) {
  SplitOptions options;
  std::size_t deepest = 0;
  for (const auto& c : split_statements(chunk, options)) deepest = std::max(deepest, c.nesting);
  return deepest;
}

}  // namespace

std::vector<ChunkStatement> analyze_chunk(const std::string& chunk, int body_depth,
                                          std::optional<std::size_t> nesting) {
  if ((nesting ? *nesting : nesting_estimate(chunk)) > k_max_nesting_estimate) {
    return {{0, chunk.size(), parse_error_analysis(too_deep_message(), 0, true)}};
  }
  if (chunk.size() < k_large_chunk_bytes) return analyze_here(chunk, body_depth, true);
  std::vector<ChunkStatement> out;
  const bool ran = run_on_large_stack([&] { out = analyze_here(chunk, body_depth, false); });
  if (!ran) {
    out = {{0, chunk.size(), parse_error_analysis("pgwarden could not start its parser thread", 0, true)}};
  }
  return out;
}

}  // namespace pgwarden::sql::pg
