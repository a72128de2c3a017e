#include "sql/pg/analyze_chunk.hpp"

#include <algorithm>
#include <cctype>

#include "sql/split.hpp"

#include "sql/pg/schema_changes.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

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
      const auto nl = text.find_first_of("\r\n", pos);  // as PostgreSQL ends a -- comment
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

std::vector<ChunkStatement> analyze_here(const std::string& chunk, int body_depth) {
  std::vector<ChunkStatement> out;
  const RawParse parsed(chunk);
  if (!parsed.ok()) {
    out.push_back({0, chunk.size(), parse_error_analysis(parsed.error(), parsed.error_offset(), false)});
    return out;
  }
  for (const Node* node : parsed.statements()) {
    const auto& raw = get<RawStmt>(node);
    auto begin = static_cast<std::size_t>(std::max(raw.stmt_location, 0));
    std::size_t end = raw.stmt_len == 0 ? chunk.size() : begin + static_cast<std::size_t>(raw.stmt_len);
    end = std::min(end, chunk.size());
    begin = skip_space(chunk, std::min(begin, end), end);

    auto analysis = std::make_shared<Analysis>();
    Context ctx{*analysis, std::string_view(chunk).substr(begin, end - begin), chunk};
    ctx.body_depth = body_depth;
    transform_statement(ctx, raw.stmt);
    if (ctx.too_deep) {
      analysis = parse_error_analysis(too_deep_message(), 0, true);
    } else {
      if (analysis->effects.empty()) {
        Effect e;
        e.action = Action::session;
        e.verb = "statement";
        analysis->effects.push_back(std::move(e));
      }
      if (body_depth == 0) collect_schema_changes(raw.stmt, begin, analysis->changes);
    }
    out.push_back({begin, end - begin, std::move(analysis)});
  }
  return out;
}

// Input whose nesting estimate (Chunk::nesting) exceeds this is refused before it is parsed,
// in milliseconds, whatever its shape. The estimate is an upper bound of the depth in operators
// and brackets; a tree node level is at least one of those, so nothing the walk accepts
// (k_max_tree_depth) is refused by it.
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
  return analyze_here(chunk, body_depth);
}

}  // namespace pgwarden::sql::pg
