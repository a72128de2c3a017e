// What a `[[tables]]` name or a profile's `writable` key matches (docs/policy.md, "[[tables]]").
//
// A pattern without a dot is about the table's own name, in any schema, and never a schema's
// name: `scratch_*` matches `app.scratch_1` and not `scratch_w.ledger_entries`. A pattern with a
// dot is `schema.table`: the part before the first dot matches the schema and the rest the table,
// each on its own, so `*` never reaches across the dot (`public.*` matches every table of public).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/glob.hpp"
#include "sql/effect.hpp"

namespace pgwarden::policy {

class TableGlob {
 public:
  static Expected<TableGlob> compile(std::string_view pattern);

  // True when the pattern names `table`, whose schema is known (a name as the unit resolved it).
  [[nodiscard]] bool matches(const sql::ObjectName& table) const;
  [[nodiscard]] const std::string& pattern() const { return m_pattern; }
  // True when the pattern has no wildcard: it names exactly one table.
  [[nodiscard]] bool is_literal() const { return m_literal; }

 private:
  std::string m_pattern;
  std::optional<Glob> m_schema;  // set for `schema.table`
  Glob m_name;
  bool m_literal = true;
};

}  // namespace pgwarden::policy
