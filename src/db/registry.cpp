#include "db/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "db/quote.hpp"
#include "sql/effect.hpp"

namespace pgwarden::db {
namespace {

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "ARRAY[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i > 0 ? ", " : "") + literal(items[i]);
  return out + "]::text[]";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Writes the row, its columns, and the state the event trigger holds the table to.
std::string register_sql(const WantedRegistration& w, const std::string& s,
                         const PolicySource& source) {
  std::string columns;
  for (const auto& c : w.columns) {
    columns += fmt::format(
        "INSERT INTO {0}.protected_columns (relid, attnum, column_name, expected_name, "
        "expected_type)\n"
        "  SELECT {1}, a.attnum, a.attname, a.attname, pg_catalog.format_type(a.atttypid, "
        "a.atttypmod)\n"
        "  FROM pg_catalog.pg_attribute a WHERE a.attrelid = {1} AND a.attnum = {2};\n",
        s, w.relid, c.attnum);
  }
  return fmt::format(
      "INSERT INTO {0}.protected (relid, schema_name, table_name, guards, refusals, "
      "expected_schema, expected_name,\n"
      "    expected_owner, expected_persistence, expected_parents, expected_children, "
      "expected_foreign_keys,\n"
      "    policy_name, policy_file, policy_sha256)\n"
      "  SELECT {1}, {2}, {3}, {4}, {5}::jsonb, st.schema_name, st.table_name, st.owner, "
      "st.persistence, st.parents,\n"
      "    st.children, st.foreign_keys, {6}, {7}, {8}\n"
      "  FROM {0}.relation_state({1}) st\n"
      "  ON CONFLICT (relid) DO UPDATE SET guards = EXCLUDED.guards, refusals = "
      "EXCLUDED.refusals,\n"
      "    policy_name = EXCLUDED.policy_name, policy_file = EXCLUDED.policy_file,\n"
      "    policy_sha256 = EXCLUDED.policy_sha256, updated_at = pg_catalog.clock_timestamp();\n"
      "DELETE FROM {0}.protected_columns WHERE relid = {1};\n"
      "{9}"
      "SELECT {0}.rebaseline({1});",
      s, w.relid, literal(w.schema_name), literal(w.table_name), text_array(w.guards),
      literal(w.refusals), literal(source.name), literal(source.file), literal(source.sha256),
      columns);
}

std::string unregister_sql(std::uint32_t relid, const std::string& s) {
  return fmt::format(
      "DELETE FROM {0}.guards WHERE guarded_relid = {1} AND NOT EXISTS (SELECT FROM "
      "pg_catalog.pg_trigger t "
      "WHERE t.oid = trigger_oid);\n"
      "DELETE FROM {0}.protected_columns WHERE relid = {1};\n"
      "DELETE FROM {0}.protected WHERE relid = {1};",
      s, relid);
}

}  // namespace

std::vector<Change> registry_changes(const Catalog& catalog, const Wanted& wanted,
                                     const policy::DbSettings& db, const PolicySource& source) {
  const std::string s = ident(db.schema);
  std::vector<Change> out;
  std::set<std::uint32_t> wanted_relids;
  for (const auto& w : wanted.registrations) {
    wanted_relids.insert(w.relid);
    const Registration* r = catalog.registration(w.relid);
    std::vector<int> columns;
    for (const auto& c : w.columns) columns.push_back(c.attnum);
    if (r == nullptr) {
      out.push_back({Change::Kind::registry, w.display,
                     fmt::format("register {} (guards: {})", w.display, join(w.guards)),
                     register_sql(w, s, source)});
      continue;
    }
    std::vector<std::string> why;
    if (r->guards != w.guards)
      why.push_back(fmt::format("guards {} instead of {}", join(r->guards), join(w.guards)));
    if (!same_json(r->refusals, w.refusals)) why.emplace_back("the policy's refusals changed");
    if (r->columns != columns) why.emplace_back("other guarded columns");
    // The policy is its name and its text; the path it was read from depends on where db
    // protect ran (a deploy's /app/pgwarden.toml, CI's ./pgwarden.toml) and is only recorded.
    if (r->policy_name != source.name || r->policy_sha256 != source.sha256) {
      why.push_back(fmt::format("registered from {} ({}), now {} ({})", r->policy_file,
                                r->policy_sha256.substr(0, 12), source.file,
                                source.sha256.substr(0, 12)));
    }
    if (!why.empty()) {
      out.push_back({Change::Kind::registry, w.display,
                     fmt::format("update the registry of {}: {}", w.display, join(why)),
                     register_sql(w, s, source)});
    }
  }
  for (const auto& d : catalog.drift) {
    if (wanted_relids.count(d.relid) == 0) continue;
    const Table* t = catalog.table(d.relid);
    const std::string subject = t != nullptr ? t->display() : std::to_string(d.relid);
    const std::string change = d.change.starts_with("leave ") ? d.change.substr(6) : d.change;
    out.push_back({Change::Kind::drift, subject,
                   fmt::format("{} while the event trigger was not watching; record it", change),
                   fmt::format("SELECT {}.rebaseline({});", s, d.relid)});
  }
  for (const auto& r : catalog.registrations) {
    if (wanted_relids.count(r.relid) != 0) continue;
    const std::string registered = sql::ObjectName{r.schema_name, r.table_name}.display();
    out.push_back(
        {Change::Kind::registry, registered,
         r.present
             ? fmt::format("unregister {}: the policy guards nothing on it any more", registered)
             : fmt::format("unregister {}: the table is gone", registered),
         unregister_sql(r.relid, s)});
  }
  return out;
}

}  // namespace pgwarden::db
