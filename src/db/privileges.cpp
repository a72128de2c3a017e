#include "db/privileges.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "db/quote.hpp"

namespace pgwarden::db {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// For each (role, guarded table, privilege, column) asked about: whether the role holds it, and
// every way it does. A NULL ACL means the owner's defaults (acldefault), which give PUBLIC
// nothing. `attnum` 0 asks about the table-level privilege; otherwise about the column's, which
// a table-level privilege implies (has_column_privilege).
constexpr const char* k_privileges = R"(
WITH wanted AS (
  SELECT w.role, w.relid::pg_catalog.oid AS relid, w.privilege, w.attnum::pg_catalog.int2 AS attnum
  FROM pg_catalog.jsonb_to_recordset($1::pg_catalog.jsonb) AS w(role text, relid bigint, privilege text, attnum int)
), grants AS (
  SELECT w.role, w.relid, w.privilege, w.attnum, a.grantee
  FROM wanted w JOIN pg_catalog.pg_class c ON c.oid = w.relid
  CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) a
  WHERE a.privilege_type = w.privilege
  UNION ALL
  SELECT w.role, w.relid, w.privilege, w.attnum, a.grantee
  FROM wanted w JOIN pg_catalog.pg_attribute att ON att.attrelid = w.relid AND att.attnum = w.attnum
  CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) a
  WHERE w.attnum > 0 AND a.privilege_type = w.privilege
)
SELECT w.role, w.relid, w.privilege, w.attnum,
  CASE WHEN w.attnum = 0 THEN pg_catalog.has_table_privilege(r.oid, w.relid, w.privilege)
       ELSE pg_catalog.has_column_privilege(r.oid, w.relid, w.attnum, w.privilege) END AS holds,
  EXISTS (SELECT FROM pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) a
          WHERE a.grantee = r.oid AND a.privilege_type = w.privilege) AS direct_table,
  EXISTS (SELECT FROM pg_catalog.pg_attribute att CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) a
          WHERE att.attrelid = w.relid AND att.attnum = w.attnum AND w.attnum > 0
            AND a.grantee = r.oid AND a.privilege_type = w.privilege) AS direct_column,
  EXISTS (SELECT FROM grants g WHERE g.role = w.role AND g.relid = w.relid AND g.privilege = w.privilege
            AND g.attnum = w.attnum AND g.grantee = 0) AS public,
  pg_catalog.array_to_string(ARRAY(
    SELECT DISTINCT x.rolname::text FROM grants g JOIN pg_catalog.pg_roles x ON x.oid = g.grantee
    WHERE g.role = w.role AND g.relid = w.relid AND g.privilege = w.privilege AND g.attnum = w.attnum
      AND x.oid <> r.oid AND pg_catalog.pg_has_role(r.oid, x.oid, 'USAGE')
    ORDER BY 1), ', ') AS via,
  pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE') AS owns,
  c.relowner::pg_catalog.regrole::text AS owner,
  r.rolsuper AS superuser,
  coalesce((SELECT att.attname::text FROM pg_catalog.pg_attribute att
            WHERE att.attrelid = w.relid AND att.attnum = w.attnum), '') AS column_name
FROM wanted w JOIN pg_catalog.pg_roles r ON r.rolname = w.role JOIN pg_catalog.pg_class c ON c.oid = w.relid
ORDER BY w.role, w.relid, w.privilege, w.attnum)";

struct Held {
  bool holds = false;
  bool direct_table = false;
  bool direct_column = false;
  bool public_ = false;
  std::string via;
  bool owns = false;
  std::string owner;
  bool superuser = false;
  std::string column;
};

// How a role still holds a privilege once its own grants are revoked; empty when it does not.
std::string held_otherwise(const Held& h) {
  if (!h.holds) return {};
  std::vector<std::string> ways;
  if (h.public_) ways.emplace_back("PUBLIC");
  if (!h.via.empty()) ways.push_back("membership in " + h.via);
  if (h.owns) ways.push_back("ownership (the owner is " + h.owner + ")");
  if (h.superuser) ways.emplace_back("being a superuser");
  return join(ways);
}

}  // namespace

Expected<PrivilegePlan> plan_privileges(Connection& connection, const Catalog& catalog,
                                        const Wanted& wanted, const policy::DbSettings& db) {
  PrivilegePlan out;
  if (db.roles.empty()) return out;
  auto roles = connection.query(
      "SELECT r.rolname, r.rolsuper FROM pg_catalog.pg_roles r "
      "WHERE r.rolname IN (SELECT pg_catalog.jsonb_array_elements_text($1::pg_catalog.jsonb)) "
      "ORDER BY 1",
      {nlohmann::json(db.roles).dump()});
  if (!roles) return tl::unexpected(roles.error());
  std::set<std::string> existing;
  for (std::size_t i = 0; i < roles->size(); ++i) {
    existing.insert(roles->at(i, "rolname"));
    if (roles->at(i, "rolsuper") == "t") {
      out.warnings.push_back(
          fmt::format("role {} of [db] roles is a superuser: it can switch every guard off (the "
                      "event triggers, the catalogs, pgwarden's own functions)",
                      roles->at(i, "rolname")));
    }
  }
  for (const auto& role : db.roles) {
    if (existing.count(role) == 0)
      out.warnings.push_back(fmt::format("role {} of [db] roles does not exist", role));
  }

  // What to ask: per role and guarded table, the privileges whose operation is guarded; for
  // UPDATE, the table-level privilege and each guarded column's.
  std::map<std::uint32_t, bool> whole_row;  // the UPDATE guard covers every column
  for (const auto& g : wanted.triggers) {
    if (g.operation == Operation::update && g.relid == g.guarded)
      whole_row[g.relid] |= g.attnum == 0;
  }
  nlohmann::json ask = nlohmann::json::array();
  for (const auto& role : db.roles) {
    if (existing.count(role) == 0) continue;
    for (const auto& w : wanted.registrations) {
      const auto has = [&](const char* g) {
        return std::find(w.guards.begin(), w.guards.end(), g) != w.guards.end();
      };
      const auto add = [&](const char* privilege, int attnum) {
        ask.push_back(
            {{"role", role}, {"relid", w.relid}, {"privilege", privilege}, {"attnum", attnum}});
      };
      if (has("truncate")) add("TRUNCATE", 0);
      if (has("delete")) add("DELETE", 0);
      if (has("update")) {
        add("UPDATE", 0);
        for (const auto& c : w.columns) add("UPDATE", c.attnum);
      }
    }
  }
  if (ask.empty()) return out;
  auto rows = connection.query(k_privileges, {ask.dump()});
  if (!rows) return tl::unexpected(rows.error());

  std::set<std::string> warned;
  const auto warn = [&](std::string text) {
    if (warned.insert(text).second) out.warnings.push_back(std::move(text));
  };
  // Per (role, table): the UPDATE decisions need every column's answer first.
  struct TableState {
    Held table_update;
    std::vector<std::pair<int, Held>> columns;
  };
  std::map<std::pair<std::string, std::uint32_t>, TableState> updates;
  for (std::size_t i = 0; i < rows->size(); ++i) {
    Held h;
    h.holds = rows->at(i, "holds") == "t";
    h.direct_table = rows->at(i, "direct_table") == "t";
    h.direct_column = rows->at(i, "direct_column") == "t";
    h.public_ = rows->at(i, "public") == "t";
    h.via = rows->at(i, "via");
    h.owns = rows->at(i, "owns") == "t";
    h.owner = rows->at(i, "owner");
    h.superuser = rows->at(i, "superuser") == "t";
    h.column = rows->at(i, "column_name");
    const std::string role = rows->at(i, "role");
    const std::uint32_t relid = static_cast<std::uint32_t>(std::stoul(rows->at(i, "relid")));
    const std::string privilege = rows->at(i, "privilege");
    const int attnum = std::stoi(rows->at(i, "attnum"));
    const Table* t = catalog.table(relid);
    if (t == nullptr) continue;
    if (h.owns && !h.superuser) {
      warn(fmt::format(
          "role {} of [db] roles owns {} (its owner is {}): an owner can grant itself every "
          "privilege "
          "back, and where the event trigger is missing it can drop or disable the guards",
          role, t->display(), h.owner));
    }
    if (privilege == "UPDATE") {
      auto& state = updates[{role, relid}];
      if (attnum == 0) {
        state.table_update = h;
      } else {
        state.columns.emplace_back(attnum, h);
      }
      continue;
    }
    if (h.direct_table) {
      out.changes.push_back(
          {Change::Kind::privilege, t->display(),
           fmt::format("revoke {} on {} from {}", privilege, t->display(), role),
           fmt::format("REVOKE {} ON TABLE {} FROM {};", privilege, t->sql_name(), ident(role))});
    }
    if (const auto how = held_otherwise(h); !how.empty() && !h.superuser) {
      warn(fmt::format("role {} still holds {} on {} through {}", role, privilege, t->display(),
                       how));
    }
  }

  for (const auto& [key, state] : updates) {
    const auto& [role, relid] = key;
    const Table* t = catalog.table(relid);
    const bool every_column = whole_row[relid];
    std::vector<std::string> guarded_names;
    std::set<int> guarded;
    std::vector<std::string> revoke_columns;
    for (const auto& [attnum, h] : state.columns) {
      guarded.insert(attnum);
      guarded_names.push_back(ident(h.column));
      if (h.direct_column) revoke_columns.push_back(ident(h.column));
    }
    if (state.table_update.direct_table) {
      std::string sql =
          fmt::format("REVOKE UPDATE ON TABLE {} FROM {};", t->sql_name(), ident(role));
      std::string what = fmt::format("revoke UPDATE on {} from {}", t->display(), role);
      std::vector<std::string> others;
      for (const auto& c : t->columns) {
        if (guarded.count(c.attnum) == 0) others.push_back(ident(c.name));
      }
      if (!every_column && !others.empty()) {
        sql += fmt::format("\nGRANT UPDATE ({}) ON TABLE {} TO {};", join(others), t->sql_name(),
                           ident(role));
        what += fmt::format(", and grant UPDATE on its other columns ({})", join(others));
      }
      out.changes.push_back(
          {Change::Kind::privilege, t->display(), std::move(what), std::move(sql)});
    } else if (!revoke_columns.empty()) {
      out.changes.push_back({Change::Kind::privilege, t->display(),
                             fmt::format("revoke UPDATE ({}) on {} from {}", join(revoke_columns),
                                         t->display(), role),
                             fmt::format("REVOKE UPDATE ({}) ON TABLE {} FROM {};",
                                         join(revoke_columns), t->sql_name(), ident(role))});
    }
    for (const auto& [attnum, h] : state.columns) {
      if (const auto how = held_otherwise(h); !how.empty() && !h.superuser) {
        warn(fmt::format("role {} still holds UPDATE of column {} on {} through {}", role,
                         ident(h.column), t->display(), how));
      }
    }
  }
  return out;
}

}  // namespace pgwarden::db
