// The planner: what the policy wants (wanted.hpp, registry.hpp, privileges.hpp) against what the
// database holds (catalog.hpp), as a list of changes in the order they must run:
//   1. the service role, pgwarden's schema and tables, its functions (compared body by body),
//      the log's insert-only triggers;
//   2. guard triggers: extra ones dropped, missing and outdated ones created (an outdated one is
//      dropped first), disabled ones and disabled clones set ENABLE ALWAYS;
//   3. the registry; 4. privileges; 5. the event triggers, last.
// What the connected role cannot do (create event triggers without being a superuser, create
// triggers on tables it may not) becomes a problem instead of a change. Pure: no I/O.
#pragma once

#include "db/catalog.hpp"
#include "db/change.hpp"
#include "db/privileges.hpp"
#include "db/registry.hpp"
#include "db/wanted.hpp"

namespace pgwarden::db {

Plan make_plan(const Catalog& catalog, const Wanted& wanted, const PrivilegePlan& privileges,
               const policy::DbSettings& db, const PolicySource& source);

}  // namespace pgwarden::db
