// Names out of the parse nodes. PostgreSQL's lexer has already applied identifier folding
// (unquoted to lower case, quoted exact, U&"..." decoded), so these only assemble.
//
// Include after every other header (sql/pg/nodes.hpp says why).
#pragma once

#include <string>
#include <string_view>

#include "sql/effect.hpp"
#include "sql/pg/nodes.hpp"

namespace pgwarden::sql::pg {

ObjectName name_of(const RangeVar* rv);
// A qualified name given as a list of String nodes: [catalog.]schema.name or name. The first
// `n` items only, when given.
ObjectName name_of_list(const List* list);
ObjectName name_of_list(const List* list, std::size_t n);
// The string of a String node, or "" if the node is not a String.
std::string_view string_of(const Node* node);
// "schema.func" or "func", lower case as the parser gave it.
std::string function_name(const List* names);
// ASCII lower case, as PostgreSQL folds setting and option names.
std::string lower(std::string_view s);

}  // namespace pgwarden::sql::pg
