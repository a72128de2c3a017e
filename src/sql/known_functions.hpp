// What the analyzer knows of functions whose bodies it cannot read (sql/pg/triggers.cpp,
// sql/pg/functions.cpp), for the policy engine and the doors.
#pragma once

#include <string_view>

namespace pgwarden::sql {

// True for the C trigger functions of PostgreSQL 15 and its contrib modules whose effects the
// analyzer derives from a CREATE TRIGGER's arguments (moddatetime, check_foreign_key, ...).
bool is_known_c_trigger(std::string_view function);

}  // namespace pgwarden::sql
