// Names out of the parse tree. PostgreSQL's lexer has already applied identifier folding
// (unquoted to lower case, quoted exact, U&"..." decoded), so these only assemble.
#pragma once

#include <string>
#include <string_view>

#include "sql/effect.hpp"
#include "sql/pg/parse_tree.hpp"

namespace pgwarden::sql::pg {

ObjectName name_of(const PgQuery__RangeVar* rv);
// A qualified name given as a list of String nodes: [catalog.]schema.name or name.
ObjectName name_of_list(const PgQuery__Node* const* items, std::size_t n);
ObjectName name_of_list(const PgQuery__List* list);
// The last element of a String list (a column, function or type name without qualification).
std::string last_string(const PgQuery__Node* const* items, std::size_t n);
// The string of a String node, or "" if the node is not a String.
std::string_view string_of(const PgQuery__Node* node);
// "schema.func" or "func", lower case as the parser gave it.
std::string function_name(const PgQuery__Node* const* items, std::size_t n);

}  // namespace pgwarden::sql::pg
