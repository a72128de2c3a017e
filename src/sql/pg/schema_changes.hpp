// Schema changes (sql/schema_change.hpp) out of raw parse nodes, beside the transform that
// computes effects from the same nodes.
//
// Include after every other header (sql/pg/nodes.hpp says why).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sql/schema_change.hpp"
#include "sql/pg/nodes.hpp"

namespace pgwarden::sql::pg {

// Appends what `statement` (a top-level statement node; locations are offsets into the parsed
// text, where the statement starts at `statement_begin`) changes in the schema.
void collect_schema_changes(const Node* statement, std::size_t statement_begin, std::vector<SchemaChange>& out);

// An expression node printed by PostgreSQL's deparser ("" if it cannot be printed). Call while
// the parse that owns `expr` is alive.
std::string deparse_expression(const Node* expr);

}  // namespace pgwarden::sql::pg
