// The wall around libpg_query (https://github.com/pganalyze/libpg_query, PostgreSQL 15 grammar).
//
// Only files under src/sql/pg/ include pg_query.h or see PgQuery__* types. This header owns
// every C resource of the parser with RAII: a parse yields the unpacked protobuf tree behind a
// shared_ptr (so that effects can keep the DML subtree alive for hint rewrites), or the error
// PostgreSQL's parser reported. Nothing here knows about effects or policies.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "common/error.hpp"
#include "sql/effect.hpp"

namespace pgwarden::sql::pg {

using ParseTree = std::shared_ptr<const PgQuery__ParseResult>;

struct Parsed {
  ParseTree tree;          // null on error
  std::string error;       // PostgreSQL's message, e.g. `syntax error at or near "FORM"`
  std::size_t error_offset = 0;  // byte offset into the parsed text
};

// Parses `text` (must be NUL-terminated by the std::string). Never throws, never crashes on
// any input that fits the caller's stack; callers run large texts on a large stack.
Parsed parse(const std::string& text);

// Frees a tree now (on the caller's thread), for trees that must not outlive a large stack.
void release(ParseTree& tree);

}  // namespace pgwarden::sql::pg

namespace pgwarden::sql {

// The opaque handle an Effect keeps on its DML statement (declared in sql/effect.hpp).
class SyntaxHandle {
 public:
  SyntaxHandle(pg::ParseTree tree, const PgQuery__Node* node) : m_tree(std::move(tree)), m_node(node) {}
  [[nodiscard]] const PgQuery__Node* node() const { return m_node; }

  // A rewrite of this statement (for a hint), computed once per `key` and kept: the analysis is
  // shared through the analyzer's cache, so a repeated refusal does not deparse again.
  template <class Compute>
  Expected<std::string> rewrite(const std::string& key, Compute compute) const {
    {
      const std::lock_guard lock(m_mutex);
      if (auto it = m_rewrites.find(key); it != m_rewrites.end()) return it->second;
    }
    Expected<std::string> value = compute();
    const std::lock_guard lock(m_mutex);
    m_rewrites.emplace(key, value);
    return value;
  }

 private:
  pg::ParseTree m_tree;  // keeps m_node alive
  const PgQuery__Node* m_node;
  mutable std::mutex m_mutex;
  mutable std::map<std::string, Expected<std::string>> m_rewrites;
};

}  // namespace pgwarden::sql
