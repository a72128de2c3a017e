#include "policy/table_glob.hpp"

#include <fmt/format.h>

namespace pgwarden::policy {
namespace {

// The first dot that is neither escaped nor inside a bracket expression.
std::size_t schema_dot(std::string_view p) {
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (in_class) {
      if (p[i] == ']') in_class = false;
    } else if (p[i] == '[') {
      in_class = true;
      if (i + 1 < p.size() && (p[i + 1] == '!' || p[i + 1] == '^')) ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;  // a leading ']' is literal
    } else if (p[i] == '.') {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Expected<TableGlob> TableGlob::compile(std::string_view pattern) {
  auto whole = Glob::compile(pattern);
  if (!whole) return tl::unexpected(whole.error());
  TableGlob g;
  g.m_pattern = std::string(pattern);
  g.m_literal = whole->is_literal();
  const std::size_t dot = schema_dot(pattern);
  if (dot == std::string_view::npos) {
    g.m_name = std::move(*whole);
    return g;
  }
  auto schema = Glob::compile(pattern.substr(0, dot));
  auto name = Glob::compile(pattern.substr(dot + 1));
  if (!schema || !name) {
    return make_error(fmt::format("'{}' is not schema.table: both parts must be non-empty", pattern));
  }
  g.m_schema = std::move(*schema);
  g.m_name = std::move(*name);
  return g;
}

bool TableGlob::matches(const sql::ObjectName& table) const {
  if (table.name.empty()) return false;
  if (m_schema) return m_schema->matches(table.schema) && m_name.matches(table.name);
  return m_name.matches(table.name);
}

}  // namespace pgwarden::policy
