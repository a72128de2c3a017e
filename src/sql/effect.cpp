#include "sql/effect.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

namespace pgwarden::sql {
namespace {

// PostgreSQL 15's reserved keywords (and those reserved "except as function or type names"):
// an identifier spelled like one must be quoted. src/include/parser/kwlist.h, RESERVED_KEYWORD
// and TYPE_FUNC_NAME_KEYWORD.
constexpr std::string_view k_reserved[] = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization",
    "binary", "both", "case", "cast", "check", "collate", "collation", "column", "concurrently",
    "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "default", "deferrable",
    "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "freeze",
    "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect",
    "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
    "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order",
    "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
    "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then",
    "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when",
    "where", "window", "with"};

}  // namespace

std::string quote_identifier(std::string_view ident) {
  bool plain = !ident.empty() && ((ident[0] >= 'a' && ident[0] <= 'z') || ident[0] == '_');
  for (const char c : ident) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$')) plain = false;
  }
  static const std::unordered_set<std::string_view> reserved(std::begin(k_reserved), std::end(k_reserved));
  if (plain && reserved.count(ident) == 0) return std::string(ident);
  std::string out = "\"";
  for (const char c : ident) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

std::string ObjectName::display() const {
  if (name.empty()) return schema.empty() ? std::string() : quote_identifier(schema);
  if (schema.empty()) return quote_identifier(name);
  return quote_identifier(schema) + "." + quote_identifier(name);
}

std::string_view to_string(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::none: return "";
    case ObjectKind::database: return "database";
    case ObjectKind::schema: return "schema";
    case ObjectKind::table: return "table";
    case ObjectKind::column: return "column";
    case ObjectKind::view: return "view";
    case ObjectKind::materialized_view: return "materialized_view";
    case ObjectKind::sequence: return "sequence";
    case ObjectKind::index: return "index";
    case ObjectKind::function: return "function";
    case ObjectKind::procedure: return "procedure";
    case ObjectKind::trigger: return "trigger";
    case ObjectKind::event_trigger: return "event_trigger";
    case ObjectKind::rule: return "rule";
    case ObjectKind::policy: return "policy";
    case ObjectKind::constraint: return "constraint";
    case ObjectKind::type: return "type";
    case ObjectKind::domain: return "domain";
    case ObjectKind::extension: return "extension";
    case ObjectKind::role: return "role";
    case ObjectKind::foreign_table: return "foreign_table";
    case ObjectKind::large_object: return "large_object";
    case ObjectKind::publication: return "publication";
    case ObjectKind::subscription: return "subscription";
    case ObjectKind::server: return "server";
    case ObjectKind::tablespace: return "tablespace";
    case ObjectKind::replication_slot: return "replication_slot";
    case ObjectKind::other: return "object";
  }
  return "object";
}

std::string_view to_string(Via via) {
  switch (via) {
    case Via::direct: return "direct";
    case Via::cte: return "cte";
    case Via::rule: return "rule";
    case Via::function_body: return "function";
    case Via::do_block: return "do";
    case Via::prepare: return "prepare";
    case Via::explain_analyze: return "explain-analyze";
    case Via::copy_query: return "copy";
    case Via::trigger: return "trigger";
    case Via::dynamic_string: return "execute-string";
  }
  return "direct";
}

std::string quote_literal(std::string_view value) {
  std::string out = "'";
  for (const char c : value) {
    out += c;
    if (c == '\'') out += c;
  }
  out += '\'';
  return out;
}

}  // namespace pgwarden::sql
