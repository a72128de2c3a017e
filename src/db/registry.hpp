// The registry rows (docs/db.md, "The registry"): which of them to add, change or remove so that
// <schema>.protected and <schema>.protected_columns say what the guards enforce and which policy
// file they came from. A row keeps the name it was registered under; the state the event trigger
// holds a table to (expected_*) is taken from the catalog by rebaseline(), when the row is written
// and when a table drifted while nobody watched.
#pragma once

#include <string>
#include <vector>

#include "db/catalog.hpp"
#include "db/change.hpp"
#include "db/wanted.hpp"

namespace pgwarden::db {

struct PolicySource {
  std::string name;    // [policy] name
  std::string file;    // the policy file as given, or "(built-in defaults)"
  std::string sha256;  // of its text
};

std::vector<Change> registry_changes(const Catalog& catalog, const Wanted& wanted,
                                     const policy::DbSettings& db, const PolicySource& source);

}  // namespace pgwarden::db
