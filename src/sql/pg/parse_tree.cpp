#include "sql/pg/parse_tree.hpp"

namespace pgwarden::sql::pg {
namespace {

struct FreeUnpacked {
  void operator()(const PgQuery__ParseResult* result) const {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the C API frees through non-const.
    pg_query__parse_result__free_unpacked(const_cast<PgQuery__ParseResult*>(result), nullptr);
  }
};

}  // namespace

Parsed parse(const std::string& text) {
  Parsed out;
  PgQueryProtobufParseResult raw = pg_query_parse_protobuf(text.c_str());
  if (raw.error != nullptr) {
    out.error = raw.error->message != nullptr ? raw.error->message : "syntax error";
    // cursorpos is 1-based in characters of the input, as in PostgreSQL's ErrorResponse; the
    // input is what we passed, so for ASCII it is the byte offset + 1. Clamp for safety.
    const int pos = raw.error->cursorpos;
    out.error_offset = pos > 0 ? static_cast<std::size_t>(pos - 1) : 0;
    if (out.error_offset > text.size()) out.error_offset = text.size();
    pg_query_free_protobuf_parse_result(raw);
    return out;
  }
  PgQuery__ParseResult* unpacked = pg_query__parse_result__unpack(
      nullptr, raw.parse_tree.len, reinterpret_cast<const uint8_t*>(raw.parse_tree.data));
  pg_query_free_protobuf_parse_result(raw);
  if (unpacked == nullptr) {
    out.error = "the parser's output could not be read";
    return out;
  }
  out.tree = ParseTree(unpacked, FreeUnpacked{});
  return out;
}

void release(ParseTree& tree) { tree.reset(); }

}  // namespace pgwarden::sql::pg
