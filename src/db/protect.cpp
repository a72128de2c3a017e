#include "db/protect.hpp"

#include <fmt/format.h>

#include "db/catalog.hpp"
#include "db/connection.hpp"
#include "db/installer.hpp"
#include "db/planner.hpp"
#include "db/privileges.hpp"
#include "db/registry.hpp"
#include "db/wanted.hpp"

namespace pgwarden::db {
namespace {

// One db protect at a time per database: a second one waits for the first to commit, then
// plans against what the first installed.
constexpr const char* k_lock =
    "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgwarden db protect'))";

}  // namespace

Expected<Outcome> protect(const policy::Policy& policy, const ProtectOptions& options) {
  auto connection = Connection::open(options.conninfo);
  if (!connection) return tl::unexpected(connection.error());
  Outcome out;
  out.mode = options.mode;
  out.database = connection->describe();
  // The catalogs read here (pg_trigger.tgparentid, partition functions) are PostgreSQL 13's;
  // the guards' behaviour is tested on PostgreSQL 15.
  if (connection->server_version() < 130000) {
    return make_error(fmt::format("pgwarden db protect needs PostgreSQL 13 or later; {} runs {}.{}",
                                  out.database, connection->server_version() / 10000,
                                  connection->server_version() % 10000));
  }
  out.policy_file = policy.source.empty() ? "(built-in defaults)" : policy.source;
  if (auto ok = connection->execute("BEGIN"); !ok) return tl::unexpected(ok.error());
  if (auto ok = connection->execute(k_lock); !ok) return tl::unexpected(ok.error());

  // Read, ask the engine, plan: all within this transaction, under the lock.
  auto catalog = read_catalog(*connection, policy.db, options.policy_text);
  if (!catalog) return tl::unexpected(catalog.error());
  const Wanted wanted = want(*catalog, policy);
  auto privileges = plan_privileges(*connection, *catalog, wanted, policy.db);
  if (!privileges) return tl::unexpected(privileges.error());
  const PolicySource source{policy.name, out.policy_file, catalog->policy_sha256};
  out.plan = make_plan(*catalog, wanted, *privileges, policy.db, source);

  if (options.mode != Mode::install || out.plan.blocked || out.plan.changes.empty()) {
    if (auto ok = connection->execute("ROLLBACK"); !ok) return tl::unexpected(ok.error());
    return out;
  }
  if (auto ok = apply(*connection, out.plan, policy.db, source, options.version); !ok) {
    (void)connection->execute("ROLLBACK");  // best effort: the error that matters is the one returned
    return tl::unexpected(ok.error());
  }
  if (auto ok = connection->execute("COMMIT"); !ok) return tl::unexpected(ok.error());
  out.applied = true;
  return out;
}

}  // namespace pgwarden::db
