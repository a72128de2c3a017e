// One chunk of text (a statement as the splitter cut it) parsed and transformed. The chunk may
// hold several statements when the parser finds more than the splitter did; each gets its own
// analysis and its offset inside the chunk.
#pragma once

#include <memory>
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
std::vector<ChunkStatement> analyze_chunk(const std::string& chunk, int body_depth = 0);

}  // namespace pgwarden::sql::pg
