#include <cstdlib>

#include "sql/pg/nodes.hpp"

namespace pgwarden::sql::pg {

RawParse::RawParse(const std::string& text) : m_context(pg_query_enter_memory_context()) {
  PgQueryInternalParsetreeAndError result = pg_query_raw_parse(text.c_str());
  if (result.error != nullptr) {
    m_error = result.error->message != nullptr ? result.error->message : "syntax error";
    // cursorpos is 1-based, as in PostgreSQL's ErrorResponse; clamp it into the text.
    const int pos = result.error->cursorpos;
    m_error_offset = pos > 0 ? static_cast<std::size_t>(pos - 1) : 0;
    if (m_error_offset > text.size()) m_error_offset = text.size();
    pg_query_free_error(result.error);
  } else {
    m_tree = result.tree;
  }
  std::free(result.stderr_buffer);  // NOLINT(cppcoreguidelines-no-malloc): libpg_query mallocs it
}

// Deletes the context and every node in it. Parses nest (a routine body is parsed while its
// CREATE FUNCTION's tree is read): each parse has its own context, and nothing is allocated in
// the current context between a parse and its destruction.
RawParse::~RawParse() { pg_query_exit_memory_context(m_context); }

}  // namespace pgwarden::sql::pg
