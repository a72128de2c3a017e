// The installer: runs a plan inside the transaction it was made in, then records it in the
// log. pgwarden's event triggers refuse DDL on guarded tables and on pgwarden's own objects; db
// protect passes them with a grant for 'protect' that it writes into <schema>.grants for its
// own transaction first (and deletes before it commits). An application role cannot imitate it:
// it has no INSERT on the grants table, and the grant names this transaction's txid.
#pragma once

#include <string>

#include "db/change.hpp"
#include "db/connection.hpp"
#include "db/registry.hpp"

namespace pgwarden::db {

// Runs every change of `plan` in order; the caller commits. The error names the change that failed.
Expected<void> apply(Connection& connection, const Plan& plan, const policy::DbSettings& db,
                     const PolicySource& source, const std::string& version);

}  // namespace pgwarden::db
