// The privilege layer (docs/db.md, "Privileges"): what the policy refuses on a guarded table is
// also revoked from the roles applications and agents connect as ([db] roles), so that they
// cannot do it even where a guard is missing: TRUNCATE where TRUNCATE is guarded, DELETE where
// deleting some rows is, UPDATE of an append-only table; for guarded columns, a table-level
// UPDATE becomes column-level UPDATE on the other columns. Only privileges granted to the role
// itself can be revoked here; those it holds another way (through PUBLIC, membership in a role
// that holds them, or ownership) are reported, and so are roles that own guarded tables or are
// superusers: they can undo guards.
#pragma once

#include <vector>

#include "db/catalog.hpp"
#include "db/change.hpp"
#include "db/connection.hpp"
#include "db/wanted.hpp"

namespace pgwarden::db {

struct PrivilegePlan {
  std::vector<Change> changes;  // REVOKE (and GRANT of the other columns)
  std::vector<std::string>
      warnings;  // held another way; owners; superusers; roles that do not exist
};

Expected<PrivilegePlan> plan_privileges(Connection& connection, const Catalog& catalog,
                                        const Wanted& wanted, const policy::DbSettings& db);

}  // namespace pgwarden::db
