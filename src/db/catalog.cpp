#include "db/catalog.hpp"

#include <algorithm>
#include <charconv>

#include "db/objects.hpp"
#include "db/quote.hpp"
#include "sql/effect.hpp"

namespace pgwarden::db {
namespace {

std::uint32_t to_oid(const std::string& text) {
  std::uint32_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

int to_int(const std::string& text) {
  int v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// array_to_string(..., ',') of oids or ints.
template <class T>
std::vector<T> split_numbers(const std::string& text, T (*convert)(const std::string&)) {
  std::vector<T> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(convert(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// pg_trigger.tgargs, hex-encoded: the arguments, each ended by a NUL byte.
std::vector<std::string> trigger_args(const std::string& hex) {
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const char byte = static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    if (byte == '\0') {
      out.push_back(std::move(current));
      current.clear();
    } else {
      current += byte;
    }
  }
  return out;
}

// pg_partition_tree and pg_partition_ancestors hand out regclass, which prints as a name: the
// queries below cast to oid.
// The tables db protect judges: ordinary and partitioned, not temporary, outside PostgreSQL's
// schemas and pgwarden's own.
constexpr const char* k_judged = R"(
  SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname <> $1
    AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%')";

Expected<void> read_tables(Connection& c, const policy::DbSettings& db, Catalog& out) {
  auto rows = c.query(std::string("WITH judged AS (") + k_judged + R"()
    SELECT c.oid, n.nspname, c.relname, c.relkind, c.relowner::pg_catalog.regrole::text AS owner,
           pg_catalog.has_table_privilege(c.oid, 'TRIGGER') AS can_trigger,
           pg_catalog.array_to_string(ARRAY(SELECT a.relid::pg_catalog.oid FROM pg_catalog.pg_partition_ancestors(c.oid) a
                                            WHERE a.relid <> c.oid), ',') AS ancestors,
           pg_catalog.array_to_string(ARRAY(SELECT t.relid::pg_catalog.oid FROM pg_catalog.pg_partition_tree(c.oid) t
                                            WHERE t.relid <> c.oid), ',') AS descendants
    FROM judged j JOIN pg_catalog.pg_class c ON c.oid = j.oid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    ORDER BY n.nspname, c.relname)",
                      {db.schema});
  if (!rows) return tl::unexpected(rows.error());
  for (std::size_t i = 0; i < rows->size(); ++i) {
    Table t;
    t.relid = to_oid(rows->at(i, "oid"));
    t.schema = rows->at(i, "nspname");
    t.name = rows->at(i, "relname");
    t.partitioned = rows->at(i, "relkind") == "p";
    t.owner = rows->at(i, "owner");
    t.can_trigger = rows->at(i, "can_trigger") == "t";
    t.partition_ancestors = split_numbers<std::uint32_t>(rows->at(i, "ancestors"), to_oid);
    t.partition_descendants = split_numbers<std::uint32_t>(rows->at(i, "descendants"), to_oid);
    out.tables.push_back(std::move(t));
  }
  auto columns = c.query(std::string("WITH judged AS (") + k_judged + R"()
    SELECT a.attrelid, a.attnum, a.attname FROM pg_catalog.pg_attribute a JOIN judged j ON j.oid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum)",
                         {db.schema});
  if (!columns) return tl::unexpected(columns.error());
  std::map<std::uint32_t, Table*> by_oid;
  for (auto& t : out.tables) by_oid[t.relid] = &t;
  for (std::size_t i = 0; i < columns->size(); ++i) {
    const auto it = by_oid.find(to_oid(columns->at(i, "attrelid")));
    if (it != by_oid.end())
      it->second->columns.push_back({to_int(columns->at(i, "attnum")), columns->at(i, "attname")});
  }
  return {};
}

Expected<void> read_own_objects(Connection& c, const policy::DbSettings& db, Catalog& out) {
  auto schema = c.query(R"(SELECT n.nspowner::pg_catalog.regrole::text AS owner, r.rolsuper
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner WHERE n.nspname = $1)",
                        {db.schema});
  if (!schema) return tl::unexpected(schema.error());
  out.schema_exists = !schema->empty();
  if (out.schema_exists) {
    out.schema_owner = schema->at(0, "owner");
    out.schema_owner_superuser = schema->at(0, "rolsuper") == "t";
  }

  auto role = c.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", {db.service_role});
  if (!role) return tl::unexpected(role.error());
  out.service_role_exists = !role->empty();

  auto events = c.query(R"(SELECT e.evtname, e.evtenabled, n.nspname || '.' || p.proname AS function
    FROM pg_catalog.pg_event_trigger e JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace)");
  if (!events) return tl::unexpected(events.error());
  for (std::size_t i = 0; i < events->size(); ++i) {
    out.event_triggers[events->at(i, "evtname")] = events->at(i, "evtenabled").front();
    out.event_trigger_functions[events->at(i, "evtname")] = events->at(i, "function");
  }
  if (!out.schema_exists) return {};

  auto tables = c.query(
      R"(SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind = 'r')",
      {db.schema});
  if (!tables) return tl::unexpected(tables.error());
  for (std::size_t i = 0; i < tables->size(); ++i)
    out.own_tables.push_back(tables->at(i, "relname"));

  auto functions = c.query(R"(SELECT p.proname, p.prosrc, p.prosecdef,
      coalesce(pg_catalog.array_to_string(p.proconfig, ','), '') AS config
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1)",
                           {db.schema});
  if (!functions) return tl::unexpected(functions.error());
  for (std::size_t i = 0; i < functions->size(); ++i) {
    out.functions[functions->at(i, "proname")] = {functions->at(i, "prosrc"),
                                                  functions->at(i, "prosecdef") == "t",
                                                  functions->at(i, "config")};
  }

  auto triggers = c.query(
      std::string(R"(SELECT t.oid, t.tgrelid, t.tgrelid::pg_catalog.regclass::text AS tbl, t.tgname,
      p.proname, t.tgenabled, t.tgparentid, pg_catalog.encode(t.tgargs, 'hex') AS args, )") +
          k_trigger_definition + R"( AS definition
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = $1 ORDER BY t.tgrelid, t.tgname)",
      {db.schema});
  if (!triggers) return tl::unexpected(triggers.error());
  for (std::size_t i = 0; i < triggers->size(); ++i) {
    InstalledTrigger t;
    t.oid = to_oid(triggers->at(i, "oid"));
    t.relid = to_oid(triggers->at(i, "tgrelid"));
    t.table = triggers->at(i, "tbl");
    t.name = triggers->at(i, "tgname");
    t.function = triggers->at(i, "proname");
    t.args = trigger_args(triggers->at(i, "args"));
    t.enabled = triggers->at(i, "tgenabled").front();
    t.parent = to_oid(triggers->at(i, "tgparentid"));
    t.definition = triggers->at(i, "definition");
    out.triggers.push_back(std::move(t));
  }
  return {};
}

Expected<void> read_registry(Connection& c, const policy::DbSettings& db, Catalog& out) {
  const std::string s = ident(db.schema);
  auto rows = c.query(
      R"(SELECT p.relid, p.schema_name, p.table_name, pg_catalog.array_to_string(p.guards, ',') AS guards,
      p.refusals::text AS refusals, p.policy_name, p.policy_file, p.policy_sha256,
      EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = p.relid) AS present,
      pg_catalog.array_to_string(ARRAY(SELECT pc.attnum FROM )" +
      s + R"(.protected_columns pc
                                       WHERE pc.relid = p.relid ORDER BY pc.attnum), ',') AS columns
    FROM )" +
      s + ".protected p ORDER BY p.relid");
  if (!rows) return tl::unexpected(rows.error());
  for (std::size_t i = 0; i < rows->size(); ++i) {
    Registration r;
    r.relid = to_oid(rows->at(i, "relid"));
    r.schema_name = rows->at(i, "schema_name");
    r.table_name = rows->at(i, "table_name");
    const std::string& guards = rows->at(i, "guards");
    for (std::size_t start = 0; start < guards.size();) {
      auto end = guards.find(',', start);
      if (end == std::string::npos) end = guards.size();
      r.guards.push_back(guards.substr(start, end - start));
      start = end + 1;
    }
    r.refusals = rows->at(i, "refusals");
    r.policy_name = rows->at(i, "policy_name");
    r.policy_file = rows->at(i, "policy_file");
    r.policy_sha256 = rows->at(i, "policy_sha256");
    r.present = rows->at(i, "present") == "t";
    r.columns = split_numbers<int>(rows->at(i, "columns"), to_int);
    out.registrations.push_back(std::move(r));
  }
  auto guards =
      c.query("SELECT trigger_oid, relid, trigger_name, definition FROM " + s + ".guards");
  if (!guards) return tl::unexpected(guards.error());
  for (std::size_t i = 0; i < guards->size(); ++i) {
    out.guard_rows.push_back({to_oid(guards->at(i, "trigger_oid")), to_oid(guards->at(i, "relid")),
                              guards->at(i, "trigger_name"), guards->at(i, "definition")});
  }
  if (out.functions.count("violations") != 0 && out.functions.count("relation_state") != 0) {
    auto drift =
        c.query("SELECT relid, change FROM " + s + ".violations() WHERE decision <> 'protect'");
    if (!drift) return tl::unexpected(drift.error());
    for (std::size_t i = 0; i < drift->size(); ++i) {
      out.drift.push_back({to_oid(drift->at(i, "relid")), drift->at(i, "change")});
    }
  }
  return {};
}

}  // namespace

std::string Table::sql_name() const {
  return qualified(schema, name);
}

std::string Table::display() const {
  return sql::ObjectName{schema, name}.display();
}

bool Catalog::complete_schema() const {
  if (!schema_exists) return false;
  return std::all_of(db::own_tables().begin(), db::own_tables().end(), [&](const std::string& t) {
    return std::find(own_tables.begin(), own_tables.end(), t) != own_tables.end();
  });
}

const Table* Catalog::table(std::uint32_t relid) const {
  for (const auto& t : tables) {
    if (t.relid == relid) return &t;
  }
  return nullptr;
}

const Registration* Catalog::registration(std::uint32_t relid) const {
  for (const auto& r : registrations) {
    if (r.relid == relid) return &r;
  }
  return nullptr;
}

Expected<Catalog> read_catalog(Connection& connection, const policy::DbSettings& db,
                               const std::string& policy_text) {
  Catalog out;
  auto session = connection.query(
      R"(SELECT current_user AS usr, r.rolsuper, r.rolcreaterole, current_database() AS db
    FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)");
  if (!session) return tl::unexpected(session.error());
  out.session = {session->at(0, "usr"), session->at(0, "rolsuper") == "t",
                 session->at(0, "rolcreaterole") == "t", session->at(0, "db")};
  auto hash = connection.query(
      "SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to($1, 'UTF8')), 'hex') AS h",
      {policy_text});
  if (!hash) return tl::unexpected(hash.error());
  out.policy_sha256 = hash->at(0, "h");
  if (auto ok = read_tables(connection, db, out); !ok) return tl::unexpected(ok.error());
  if (auto ok = read_own_objects(connection, db, out); !ok) return tl::unexpected(ok.error());
  if (out.complete_schema()) {
    if (auto ok = read_registry(connection, db, out); !ok) return tl::unexpected(ok.error());
  }
  return out;
}

}  // namespace pgwarden::db
