#include "sql/pg/parse_tree.hpp"

#include <algorithm>
#include <memory>
#include <vector>

namespace pgwarden::sql::pg {
namespace {

// The unpacked tree lives in one arena: protobuf-c's default allocator mallocs every message of
// the tree and frees it with a walk over every field of every message (the Node message has 271
// fields), which cost more than the parse. The arena is freed whole with the tree.
class Arena {
 public:
  explicit Arena(std::size_t first_block) : m_next_size(std::max<std::size_t>(first_block, 4096)) {}

  void* allocate(std::size_t size) {
    size = (size + 15) & ~std::size_t{15};
    if (m_used + size > m_size) grow(size);
    void* p = m_block + m_used;
    m_used += size;
    return p;
  }

  ProtobufCAllocator allocator() {
    return ProtobufCAllocator{
        [](void* self, std::size_t size) { return static_cast<Arena*>(self)->allocate(size); },
        [](void*, void*) {},  // freed with the arena
        this};
  }

 private:
  void grow(std::size_t at_least) {
    const std::size_t size = std::max(m_next_size, at_least);
    m_blocks.push_back(std::make_unique<char[]>(size));  // new[] aligns to 16 on this ABI
    m_block = m_blocks.back().get();
    m_size = size;
    m_used = 0;
    m_next_size = size * 2;
  }

  std::vector<std::unique_ptr<char[]>> m_blocks;
  char* m_block = nullptr;
  std::size_t m_size = 0;
  std::size_t m_used = 0;
  std::size_t m_next_size;
};

// Owns the arena that holds the tree.
struct ArenaTree {
  Arena arena;
  PgQuery__ParseResult* result = nullptr;
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
  // Unpacked structs take about four times the packed size.
  auto holder = std::make_shared<ArenaTree>(ArenaTree{Arena(raw.parse_tree.len * 4), nullptr});
  ProtobufCAllocator allocator = holder->arena.allocator();
  holder->result = pg_query__parse_result__unpack(&allocator, raw.parse_tree.len,
                                                  reinterpret_cast<const uint8_t*>(raw.parse_tree.data));
  pg_query_free_protobuf_parse_result(raw);
  if (holder->result == nullptr) {
    out.error = "the parser's output could not be read";
    return out;
  }
  out.tree = ParseTree(holder, holder->result);  // aliasing: the tree keeps its arena alive
  return out;
}

void release(ParseTree& tree) { tree.reset(); }

}  // namespace pgwarden::sql::pg
