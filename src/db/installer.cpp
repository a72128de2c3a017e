#include "db/installer.hpp"

#include <fmt/format.h>

#include "db/quote.hpp"

namespace pgwarden::db {
namespace {

Expected<bool> grants_table_exists(Connection& c, const policy::DbSettings& db) {
  auto rows = c.query(
      R"(SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relname = 'grants')",
      {db.schema});
  if (!rows) return tl::unexpected(rows.error());
  return !rows->empty();
}

}  // namespace

Expected<void> apply(Connection& connection, const Plan& plan, const policy::DbSettings& db,
                     const PolicySource& source, const std::string& version) {
  const std::string s = ident(db.schema);
  const std::string grant = fmt::format(
      "INSERT INTO {}.grants (txid, relid, operation, expires_at, reason) VALUES "
      "(pg_catalog.txid_current(), NULL, "
      "'protect', pg_catalog.clock_timestamp() + interval '1 hour', 'pgwarden db protect')",
      s);
  bool granted = false;
  std::string changes = "ARRAY[";
  for (std::size_t i = 0; i < plan.changes.size(); ++i) {
    const Change& change = plan.changes[i];
    // The grant goes in as soon as its table exists: before the first change on an upgrade,
    // right after the tables are created on a first install (no event trigger exists yet then).
    if (!granted) {
      auto exists = grants_table_exists(connection, db);
      if (!exists) return tl::unexpected(exists.error());
      if (*exists) {
        if (auto ok = connection.execute(grant); !ok) return tl::unexpected(ok.error());
        granted = true;
      }
    }
    if (auto ok = connection.execute(change.sql); !ok) {
      Error e = ok.error();
      e.message = fmt::format("while {}: {}", change.what, e.message);
      return tl::unexpected(e);
    }
    changes += (i > 0 ? ", " : "") + literal(change.what);
  }
  changes += "]::text[]";
  if (!granted) return make_error("pgwarden's grants table was not created");
  auto log = connection.execute(fmt::format(
      "INSERT INTO {}.log (event, policy_name, policy_file, policy_sha256, pgwarden_version, "
      "changes) "
      "VALUES ({}, {}, {}, {}, {}, {});\n"
      "DELETE FROM {}.grants WHERE txid = pg_catalog.txid_current() AND operation = 'protect';",
      s, literal(plan.first_install ? "install" : "upgrade"), literal(source.name),
      literal(source.file), literal(source.sha256), literal(version), changes, s));
  if (!log) return tl::unexpected(log.error());
  return {};
}

}  // namespace pgwarden::db
