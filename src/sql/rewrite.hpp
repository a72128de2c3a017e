// Non-destructive alternatives built from the statement's own parse tree and printed by
// PostgreSQL's deparser (libpg_query), never by pasting SQL strings together. The policy engine
// uses them for hints.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "sql/effect.hpp"

namespace pgwarden::sql {

// DELETE FROM t [USING u] WHERE c  ->  UPDATE t SET column = value [FROM u] WHERE c.
// `value_sql` is an SQL expression such as "now()" or "'DELETED'".
Expected<std::string> soft_delete_update(const Effect& del, std::string_view column,
                                         std::string_view value_sql);

// The rows a DELETE or UPDATE touches, as the INSERT ... SELECT that records a reversal entry
// for each of them: INSERT INTO t SELECT * FROM t [USING/FROM] WHERE c.
Expected<std::string> reversal_insert(const Effect& effect);

}  // namespace pgwarden::sql
