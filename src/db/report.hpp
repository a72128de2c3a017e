// What pgwarden db protect prints: the changes it made (install), the SQL it would run
// (--dry-run), or every difference between the policy and the database (--check); with the
// problems (what this connection could not install) and warnings (what guards cannot stop),
// as text or JSON. And the exit code each mode returns.
#pragma once

#include <string>

#include "db/protect.hpp"

namespace pgwarden::db {

std::string render_text(const Outcome& outcome);
std::string render_json(const Outcome& outcome);
std::string render_sql(const Outcome& outcome);  // --dry-run: a script psql could run

// --check: 0 when nothing differs, 1 otherwise. Install: 1 when something could not be
// installed (a problem), else 0. Dry run: 0. (2, for errors, is the caller's.)
int exit_code(const Outcome& outcome);

}  // namespace pgwarden::db
