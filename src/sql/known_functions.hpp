// What the analyzer knows of functions whose bodies it cannot read (sql/pg/triggers.cpp,
// sql/pg/functions.cpp), for the policy engine and the doors.
#pragma once

#include <string_view>

namespace pgwarden::sql {

// True for the C trigger functions of PostgreSQL 15 and its contrib modules whose effects the
// analyzer derives from a CREATE TRIGGER's arguments (moddatetime, check_foreign_key, ...).
bool is_known_c_trigger(std::string_view function);

// True when PostgreSQL 15 has a function of this name in pg_catalog (src/sql/data/). An
// unqualified call of such a name is PostgreSQL's own unless the database has a function of that
// name elsewhere, or the search path puts another schema before pg_catalog.
bool is_builtin_function(std::string_view name);

}  // namespace pgwarden::sql
