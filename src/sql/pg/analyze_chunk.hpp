// One chunk of text (a statement as the splitter cut it) parsed and transformed. The chunk may
// hold several statements when the parser finds more than the splitter did; each gets its own
// analysis and its offset inside the chunk.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/statement.hpp"

namespace pgwarden::sql::pg {

struct ChunkStatement {
  std::size_t offset = 0;  // in the chunk
  std::size_t length = 0;
  std::shared_ptr<const Analysis> analysis;
};

// `body_depth` is the routine-body nesting of the caller (0 at the top).
// `nesting` is the splitter's estimate (sql::Chunk::nesting) when the caller split the text
// already; without it the chunk is lexed once more to estimate it.
std::vector<ChunkStatement> analyze_chunk(const std::string& chunk, int body_depth = 0,
                                          std::optional<std::size_t> nesting = std::nullopt);

}  // namespace pgwarden::sql::pg
