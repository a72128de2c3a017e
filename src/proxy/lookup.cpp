#include "proxy/lookup.hpp"

#include <charconv>

#include "pq/libpq.hpp"
#include "proxy/log.hpp"

namespace pgwarden::proxy {
namespace {

struct ConnDeleter {
  void operator()(PGconn* c) const { pq::libpq()->finish(c); }  // only made once libpq is loaded
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

std::string quote_conninfo_value(const std::string& v) {
  std::string out = "'";
  for (const char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

// The definitions one name may have (overloads, an aggregate's support functions); the query
// asks for one more, to tell when there are more than are read.
constexpr int k_max_definitions = 64;

// Every overload of the function, outside the system schemas (a name found only there is
// built in: nothing to judge). An aggregate has no body of its own: what it runs is its support
// functions (state, final, combine, ...), those outside the system schemas.
constexpr const char* k_function_query = R"(
SELECT pg_catalog.pg_get_functiondef(p.oid)
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proname = $1 AND ($2 = '' OR n.nspname = $2)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prokind IN ('f', 'p')
UNION ALL
SELECT pg_catalog.pg_get_functiondef(sp.oid)
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
  CROSS JOIN LATERAL (VALUES (a.aggtransfn), (a.aggfinalfn), (a.aggcombinefn), (a.aggserialfn),
                             (a.aggdeserialfn), (a.aggmtransfn), (a.aggminvtransfn), (a.aggmfinalfn)) f(fn)
  JOIN pg_catalog.pg_proc sp ON sp.oid = f.fn::pg_catalog.oid
  JOIN pg_catalog.pg_namespace sn ON sn.oid = sp.pronamespace
 WHERE p.proname = $1 AND ($2 = '' OR n.nspname = $2) AND p.prokind = 'a'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND sn.nspname NOT IN ('pg_catalog', 'information_schema')
 LIMIT 65)";

// The enabled, user-defined triggers of a table that fire on an event (TRIGGER_TYPE_* bits):
// each trigger's function, then the trigger itself, which binds the function to the table.
constexpr const char* k_trigger_query = R"(
SELECT pg_catalog.pg_get_functiondef(t.tgfoid) || E';\n' || pg_catalog.pg_get_triggerdef(t.oid)
  FROM pg_catalog.pg_trigger t
 WHERE t.tgrelid = pg_catalog.to_regclass($1) AND NOT t.tgisinternal AND t.tgenabled <> 'D'
   AND (t.tgtype::int & $2::int) <> 0)";

// Every relation of the database outside the system schemas: what a view's FROM names (the
// lookup connection's empty search path makes pg_get_viewdef qualify every name), the children
// of a parent, where a foreign table points. \x1f separates list items.
constexpr const char* k_relations_query = R"(
SELECT c.oid, n.nspname, c.relname, c.relkind,
       (SELECT pg_catalog.string_agg(i.inhrelid::text, ',') FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid),
       CASE WHEN c.relkind = 'v' THEN pg_catalog.pg_get_viewdef(c.oid) END,
       pg_catalog.array_to_string(ft.ftoptions, E'\x1f'), fs.srvname, w.fdwname,
       pg_catalog.array_to_string(fs.srvoptions, E'\x1f')
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
  LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
  LEFT JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = fs.srvfdw
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%')";

// The rules of user relations (the view's own _RETURN rule aside): what they run on an event.
constexpr const char* k_rules_query = R"(
SELECT r.ev_class, r.ev_type, pg_catalog.pg_get_ruledef(r.oid)
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE r.rulename <> '_RETURN' AND r.ev_enabled <> 'D'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema'))";

// The user functions a relation's column defaults and CHECK constraints call (pg_depend records
// each): an INSERT or UPDATE runs them though no statement names them.
constexpr const char* k_implicit_calls_query = R"(
SELECT DISTINCT COALESCE(d.adrelid, c.conrelid), n.nspname || '.' || p.proname
  FROM pg_catalog.pg_depend dep
  JOIN pg_catalog.pg_proc p ON p.oid = dep.refobjid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_catalog.pg_attrdef d ON dep.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.oid = dep.objid
  LEFT JOIN pg_catalog.pg_constraint c ON dep.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
                                       AND c.oid = dep.objid AND c.contype = 'c'
 WHERE dep.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
   AND (d.oid IS NOT NULL OR c.oid IS NOT NULL)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema'))";

// The foreign keys whose ON DELETE / ON UPDATE action changes the referencing rows, and every
// foreign key for TRUNCATE ... CASCADE: referencing table, its columns, the referenced table and
// columns, ON DELETE SET NULL / DEFAULT's own columns, the actions.
constexpr const char* k_foreign_keys_query = R"(
SELECT c.conrelid, c.confrelid,
       (SELECT pg_catalog.string_agg(a.attname, E'' ORDER BY k.i) FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY k(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
       (SELECT pg_catalog.string_agg(a.attname, E'' ORDER BY k.i) FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY k(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n),
       (SELECT pg_catalog.string_agg(a.attname, E'' ORDER BY k.i) FROM pg_catalog.unnest(c.confdelsetcols) WITH ORDINALITY k(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
       c.confdeltype, c.confupdtype
  FROM pg_catalog.pg_constraint c
 WHERE c.contype = 'f')";

// The names of the functions outside pg_catalog: an unqualified call of a built-in name that one
// of them also has is looked up, not taken for PostgreSQL's own.
constexpr const char* k_user_functions_query = R"(
SELECT DISTINCT p.proname
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))";

int trigger_event_bits(char event) {
  switch (event) {
    case 'i': return 1 << 2;
    case 'd': return 1 << 3;
    case 'u': return 1 << 4;
    case 't': return 1 << 5;
    default: return (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5);
  }
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    out.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::uint32_t to_oid(std::string_view text) {
  std::uint32_t oid = 0;
  std::from_chars(text.data(), text.data() + text.size(), oid);
  return oid;
}

std::string trimmed_error(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

struct RoutineLookup::Connections {
  std::unordered_map<std::string, Conn> by_database;
};

RoutineLookup::RoutineLookup(std::string conninfo, RoutineCatalog& catalog, RelationCatalogs& relations,
                             RelationCatalogs::Protects protects, std::function<std::string()> registry,
                             Metrics& metrics)
    : m_conninfo(std::move(conninfo)), m_catalog(catalog), m_relations(relations), m_protects(std::move(protects)),
      m_registry(std::move(registry)),
      m_metrics(metrics), m_connections(std::make_unique<Connections>()) {}

RoutineLookup::~RoutineLookup() { stop(); }

void RoutineLookup::stop() {
  m_pool.stop();
  m_pool.join();
}

PGconn* RoutineLookup::connection(const std::string& database, std::string& error) {
  const pq::Libpq* api = pq::libpq(&error);
  if (api == nullptr) return nullptr;
  auto& conn = m_connections->by_database[database];
  if (conn && api->status(conn.get()) == CONNECTION_OK) return conn.get();
  conn.reset(api->connectdb((m_conninfo + " dbname=" + quote_conninfo_value(database) +
                             " application_name=pgwarden-lookup connect_timeout=5")
                                .c_str()));
  if (api->status(conn.get()) != CONNECTION_OK) {
    error = "the lookup connection failed: " + trimmed_error(api->error_message(conn.get()));
    conn.reset();
    return nullptr;
  }
  // Every name the lookup reads and writes is qualified: views print their relations qualified.
  PGresult* r = api->exec_params(conn.get(), "SET search_path = ''", 0, nullptr, nullptr, nullptr, nullptr, 0);
  api->clear(r);
  return conn.get();
}

Routines RoutineLookup::look_up(const std::string& database, const RoutineKey& key) {
  Routines out;
  const pq::Libpq* api = pq::libpq(&out.error);
  if (api == nullptr) return out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    PGconn* conn = connection(database, out.error);
    if (conn == nullptr) return out;
    std::string schema;
    std::string name = key.name;
    if (key.kind == RoutineKey::Kind::function) {
      if (const auto dot = name.find('.'); dot != std::string::npos) {
        schema = name.substr(0, dot);
        name = name.substr(dot + 1);
      }
    }
    const std::string bits = std::to_string(trigger_event_bits(key.event));
    const char* params[2] = {name.c_str(), key.kind == RoutineKey::Kind::function ? schema.c_str() : bits.c_str()};
    PGresult* r = key.kind == RoutineKey::Kind::function
                      ? api->exec_params(conn, k_function_query, 2, nullptr, params, nullptr, nullptr, 0)
                      : api->exec_params(conn, k_trigger_query, 2, nullptr, params, nullptr, nullptr, 0);
    const auto status = api->result_status(r);
    if (status == PGRES_TUPLES_OK && api->ntuples(r) > k_max_definitions) {
      // More overloads (or support functions) than are read: the one called may be among those
      // left out, so none is taken as judged.
      api->clear(r);
      out.error = "more than " + std::to_string(k_max_definitions) + " definitions of " + key.name;
      return out;
    }
    if (status == PGRES_TUPLES_OK) {
      for (int i = 0; i < api->ntuples(r); ++i) out.definitions.emplace_back(api->getvalue(r, i, 0));
      api->clear(r);
      out.error.clear();
      return out;
    }
    out.error = trimmed_error(api->result_error_message(r));
    api->clear(r);
    if (api->status(conn) == CONNECTION_OK) return out;  // a query error, not a lost connection
    out.error.clear();
  }
  return out;
}

void RoutineLookup::look_up_relations(const std::string& database) {
  std::string error;
  const pq::Libpq* api = pq::libpq(&error);
  const std::uint64_t generation = m_relations.generation(database);
  PGresult* r = nullptr;
  PGconn* conn = nullptr;
  // Twice: a connection the server closed since (a restart, pg_terminate_backend) is opened again.
  for (int attempt = 0; attempt < 2 && api != nullptr; ++attempt) {
    conn = connection(database, error);
    if (conn == nullptr) break;
    r = api->exec_params(conn, k_relations_query, 0, nullptr, nullptr, nullptr, nullptr, 0);
    if (api->result_status(r) == PGRES_TUPLES_OK) break;
    error = trimmed_error(r != nullptr ? api->result_error_message(r) : api->error_message(conn));
    api->clear(r);
    r = nullptr;
    if (api->status(conn) == CONNECTION_OK) break;  // the query failed, not the connection
  }
  if (r == nullptr) {
    m_metrics.function_lookup(LookupResult::error);
    log::warn("relation lookup failed: writes are refused until it succeeds",
              {{"database", database}, {"error", error}});
    m_relations.failed(database, error);
    return;
  }
  std::vector<RelationRow> rows;
  std::unordered_map<std::uint32_t, std::size_t> by_oid;
  rows.reserve(static_cast<std::size_t>(api->ntuples(r)));
  for (int i = 0; i < api->ntuples(r); ++i) {
    RelationRow row;
    row.oid = to_oid(api->getvalue(r, i, 0));
    row.schema = api->getvalue(r, i, 1);
    row.name = api->getvalue(r, i, 2);
    row.kind = *api->getvalue(r, i, 3);
    for (const auto& child : split(api->getvalue(r, i, 4), ',')) row.children.push_back(to_oid(child));
    row.view_definition = api->getvalue(r, i, 5);
    row.table_options = split(api->getvalue(r, i, 6), '\x1f');
    row.server = api->getvalue(r, i, 7);
    row.wrapper = api->getvalue(r, i, 8);
    row.server_options = split(api->getvalue(r, i, 9), '\x1f');
    by_oid[row.oid] = rows.size();
    rows.push_back(std::move(row));
  }
  api->clear(r);
  if (PGresult* rules = api->exec_params(conn, k_rules_query, 0, nullptr, nullptr, nullptr, nullptr, 0)) {
    if (api->result_status(rules) == PGRES_TUPLES_OK) {
      for (int i = 0; i < api->ntuples(rules); ++i) {
        const auto it = by_oid.find(to_oid(api->getvalue(rules, i, 0)));
        if (it != by_oid.end()) rows[it->second].rules.emplace_back(*api->getvalue(rules, i, 1), api->getvalue(rules, i, 2));
      }
    }
    api->clear(rules);
  }
  if (PGresult* calls = api->exec_params(conn, k_implicit_calls_query, 0, nullptr, nullptr, nullptr, nullptr, 0)) {
    if (api->result_status(calls) == PGRES_TUPLES_OK) {
      for (int i = 0; i < api->ntuples(calls); ++i) {
        const auto it = by_oid.find(to_oid(api->getvalue(calls, i, 0)));
        if (it != by_oid.end()) rows[it->second].implicit_calls.emplace_back(api->getvalue(calls, i, 1));
      }
    }
    api->clear(calls);
  }
  if (PGresult* fks = api->exec_params(conn, k_foreign_keys_query, 0, nullptr, nullptr, nullptr, nullptr, 0)) {
    if (api->result_status(fks) == PGRES_TUPLES_OK) {
      for (int i = 0; i < api->ntuples(fks); ++i) {
        const auto it = by_oid.find(to_oid(api->getvalue(fks, i, 1)));
        if (it == by_oid.end()) continue;
        RelationRow::ForeignKey fk;
        fk.from = to_oid(api->getvalue(fks, i, 0));
        fk.columns = split(api->getvalue(fks, i, 2), '\x1f');
        fk.referenced = split(api->getvalue(fks, i, 3), '\x1f');
        fk.set_columns = split(api->getvalue(fks, i, 4), '\x1f');
        fk.on_delete = *api->getvalue(fks, i, 5);
        fk.on_update = *api->getvalue(fks, i, 6);
        rows[it->second].referenced_by.push_back(std::move(fk));
      }
    }
    api->clear(fks);
  }
  std::set<std::string> functions;
  if (PGresult* f = api->exec_params(conn, k_user_functions_query, 0, nullptr, nullptr, nullptr, nullptr, 0)) {
    if (api->result_status(f) == PGRES_TUPLES_OK) {
      for (int i = 0; i < api->ntuples(f); ++i) functions.insert(api->getvalue(f, i, 0));
    }
    api->clear(f);
  }
  // db protect's registry, where it is installed: the names its tables were registered under.
  std::vector<std::pair<std::uint32_t, sql::ObjectName>> registered;
  const std::string table = sql::quote_identifier(m_registry ? m_registry() : "pgwarden") + ".protected";
  const char* param = table.c_str();
  PGresult* present = api->exec_params(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, nullptr, &param,
                                       nullptr, nullptr, 0);
  if (api->result_status(present) == PGRES_TUPLES_OK && api->ntuples(present) == 1 &&
      std::string_view(api->getvalue(present, 0, 0)) == "t") {
    const std::string query = "SELECT relid, schema_name, table_name FROM " + table;
    if (PGresult* g = api->exec_params(conn, query.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0)) {
      if (api->result_status(g) == PGRES_TUPLES_OK) {
        for (int i = 0; i < api->ntuples(g); ++i) {
          registered.emplace_back(to_oid(api->getvalue(g, i, 0)),
                                  sql::ObjectName{api->getvalue(g, i, 1), api->getvalue(g, i, 2)});
        }
      }
      api->clear(g);
    }
  }
  api->clear(present);
  m_metrics.function_lookup(LookupResult::miss);
  m_relations.store(database, generation, rows, registered, std::move(functions), m_protects);
}

asio::awaitable<void> RoutineLookup::fetch(std::string database, std::vector<RoutineKey> keys) {
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(asio::bind_executor(m_pool, asio::use_awaitable));
  for (const auto& key : keys) {
    if (key.kind == RoutineKey::Kind::relations) {
      look_up_relations(database);
      continue;
    }
    Routines r = look_up(database, key);
    m_metrics.function_lookup(r.error.empty() ? LookupResult::miss : LookupResult::error);
    if (!r.error.empty()) log::warn("routine lookup failed", {{"database", database}, {"routine", key.name}, {"error", r.error}});
    m_catalog.store(database, key, std::make_shared<const Routines>(std::move(r)));
  }
  co_await asio::post(asio::bind_executor(home, asio::use_awaitable));
}

}  // namespace pgwarden::proxy
