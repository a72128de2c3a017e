// Quoting for the SQL pgwarden db protect writes. Identifiers are always double-quoted (a name
// that happens to be a keyword, or has capitals, stays the object it names); literals are
// single-quoted with quotes doubled, which is exact because every session of the db door runs
// with standard_conforming_strings = on (connection.cpp sets it).
#pragma once

#include <string>
#include <string_view>

namespace pgwarden::db {

inline std::string ident(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline std::string literal(std::string_view value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// "schema"."name"
inline std::string qualified(std::string_view schema, std::string_view name) {
  return ident(schema) + "." + ident(name);
}

}  // namespace pgwarden::db
