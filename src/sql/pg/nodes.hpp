// PostgreSQL's own parse nodes, as libpg_query's raw parser leaves them (the PostgreSQL 15
// server headers, from postgresql-server-dev-15).
//
// The transform reads these nodes directly: no serialization between the parser and pgwarden
// (docs/performance.md measures why). Rules for code that includes this header:
//  - Include it last, after every standard and project header: PostgreSQL's headers define
//    macros (printf, gettext, Max, ...) that are undefined again below but must not meet
//    headers included after them.
//  - Touch no PostgreSQL global and call no PostgreSQL function that allocates or may ERROR
//    (palloc, PG_TRY, raw_expression_tree_walker, ...). libpg_query makes PostgreSQL's globals
//    thread-local while the server headers declare them plain, and an ERROR outside its parser
//    has no handler. Reading node fields and the inline List accessors is what is allowed.
//  - Nodes live in the memory context of their RawParse (raw_parse.hpp); copy what outlives it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

extern "C" {
#include "postgres.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"

#include <pg_query.h>
#include <pg_query/pg_query_internal.h>
}

#undef printf
#undef fprintf
#undef sprintf
#undef snprintf
#undef vprintf
#undef vfprintf
#undef vsprintf
#undef vsnprintf
#undef strerror
#undef strerror_r
#undef gettext
#undef dgettext
#undef ngettext
#undef dngettext
#undef _
#undef Max
#undef Min
#undef Abs
#undef DEBUG

namespace pgwarden::sql::pg {

// The nodes of a PostgreSQL List: `for (const Node* n : nodes(list))`. NIL is empty.
class NodeList {
 public:
  explicit NodeList(const List* list) : m_list(list) {}
  class iterator {
   public:
    explicit iterator(const ListCell* cell) : m_cell(cell) {}
    const Node* operator*() const { return static_cast<const Node*>(m_cell->ptr_value); }
    iterator& operator++() {
      ++m_cell;
      return *this;
    }
    bool operator!=(const iterator& other) const { return m_cell != other.m_cell; }

   private:
    const ListCell* m_cell;
  };
  [[nodiscard]] iterator begin() const { return iterator(m_list != nullptr ? m_list->elements : nullptr); }
  [[nodiscard]] iterator end() const {
    return iterator(m_list != nullptr ? m_list->elements + m_list->length : nullptr);
  }
  [[nodiscard]] std::size_t size() const { return m_list != nullptr ? static_cast<std::size_t>(m_list->length) : 0; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] const Node* operator[](std::size_t i) const {
    return static_cast<const Node*>(m_list->elements[i].ptr_value);
  }

 private:
  const List* m_list;
};

inline NodeList nodes(const List* list) { return NodeList(list); }

// The node as its struct type when it has that tag, else null: as<DeleteStmt>(n, T_DeleteStmt).
template <class T>
const T* as(const Node* node, NodeTag tag) {
  return node != nullptr && nodeTag(node) == tag ? reinterpret_cast<const T*>(node) : nullptr;
}

// One parse of a text into raw statements, in a memory context of its own that the destructor
// deletes (with every node in it). Never throws; a syntax error is reported, not raised.
class RawParse {
 public:
  explicit RawParse(const std::string& text);
  ~RawParse();
  RawParse(const RawParse&) = delete;
  RawParse& operator=(const RawParse&) = delete;

  [[nodiscard]] bool ok() const { return m_error.empty(); }
  // The RawStmt nodes; empty on error.
  [[nodiscard]] NodeList statements() const { return nodes(m_tree); }
  // PostgreSQL's message, e.g. `syntax error at or near "FORM"`, and its byte offset.
  [[nodiscard]] const std::string& error() const { return m_error; }
  [[nodiscard]] std::size_t error_offset() const { return m_error_offset; }

 private:
  MemoryContext m_context;
  List* m_tree = nullptr;
  std::string m_error;
  std::size_t m_error_offset = 0;
};

// The node as its struct type, where the tag is already known: get<DeleteStmt>(n).
template <class T>
const T& get(const Node* node) {
  return *reinterpret_cast<const T*>(node);
}

// A C string field, "" for NULL.
inline std::string_view text(const char* s) { return s != nullptr ? std::string_view(s) : std::string_view(); }

}  // namespace pgwarden::sql::pg
