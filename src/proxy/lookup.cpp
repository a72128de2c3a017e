#include "proxy/lookup.hpp"

#include <charconv>
#include <cstdlib>

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

// The columns of user tables, by attnum (never reused, kept across renames): what a column
// protected under one name is called now.
constexpr const char* k_columns_query = R"(
SELECT a.attrelid, a.attnum, a.attname
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f')
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

// The user functions that run for a relation though no statement names them (pg_depend records
// each, an operator standing for the function behind it):
//   'w' when a row is written (INSERT, UPDATE): its column defaults, its constraints, the
//       expressions and predicates of its indexes, the CHECKs and DEFAULTs of the domains its
//       columns are, directly or through a domain over a domain, an array, a composite or a range,
//       and the user casts to its columns' types (an assignment cast converts a value written);
//   'a' on every row change: the WHEN conditions of its triggers (the trigger functions are read
//       with the triggers);
//   'r' whenever a statement reads or writes it: a view's definition, row-level security policies;
// and, by type name (relation 0, kind 't'), what a value of a type runs when it is made: the
// CHECKs of a domain (however deep in arrays, composites and ranges), and casts to the type
// (`5::evil_dom`, a column of the type in a temp table the lookup cannot see).
constexpr const char* k_implicit_calls_query = R"(
WITH RECURSIVE deps AS (
  SELECT dep.classid, dep.objid,
         CASE WHEN dep.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass THEN dep.refobjid
              ELSE (SELECT o.oprcode::pg_catalog.oid FROM pg_catalog.pg_operator o WHERE o.oid = dep.refobjid) END AS fn
    FROM pg_catalog.pg_depend dep
   WHERE dep.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass)
     AND dep.classid IN ('pg_catalog.pg_attrdef'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass,
                         'pg_catalog.pg_class'::pg_catalog.regclass, 'pg_catalog.pg_type'::pg_catalog.regclass,
                         'pg_catalog.pg_rewrite'::pg_catalog.regclass, 'pg_catalog.pg_policy'::pg_catalog.regclass,
                         'pg_catalog.pg_trigger'::pg_catalog.regclass)
), domains(typ, fn) AS (
  SELECT c.contypid, deps.fn FROM deps JOIN pg_catalog.pg_constraint c
    ON deps.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND c.oid = deps.objid AND c.contypid <> 0
  UNION
  SELECT t.oid, deps.fn FROM deps JOIN pg_catalog.pg_type t
    ON deps.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = deps.objid AND t.typtype = 'd'
  UNION
  SELECT t.oid, d.fn FROM domains d JOIN pg_catalog.pg_type t
    ON t.typbasetype = d.typ OR t.typelem = d.typ
    OR EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.atttypid = d.typ AND a.attnum > 0)
    OR EXISTS (SELECT FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid AND r.rngsubtype = d.typ)
), calls(rel, k, fn) AS (
  SELECT d.adrelid, 'w', deps.fn FROM deps JOIN pg_catalog.pg_attrdef d
    ON deps.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.oid = deps.objid
  UNION ALL
  SELECT c.conrelid, 'w', deps.fn FROM deps JOIN pg_catalog.pg_constraint c
    ON deps.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND c.oid = deps.objid AND c.conrelid <> 0
  UNION ALL
  SELECT i.indrelid, 'w', deps.fn FROM deps JOIN pg_catalog.pg_index i
    ON deps.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.indexrelid = deps.objid
  UNION ALL
  SELECT a.attrelid, 'w', d.fn FROM domains d JOIN pg_catalog.pg_attribute a
    ON a.atttypid = d.typ AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT a.attrelid, 'w', c.castfunc FROM pg_catalog.pg_cast c
    JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    JOIN pg_catalog.pg_attribute a ON a.atttypid = c.casttarget AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT t.tgrelid, 'a', deps.fn FROM deps JOIN pg_catalog.pg_trigger t
    ON deps.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND t.oid = deps.objid AND deps.fn <> t.tgfoid
  UNION ALL
  SELECT r.ev_class, 'r', deps.fn FROM deps JOIN pg_catalog.pg_rewrite r
    ON deps.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = deps.objid AND r.rulename = '_RETURN'
  UNION ALL
  SELECT p.polrelid, 'r', deps.fn FROM deps JOIN pg_catalog.pg_policy p
    ON deps.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND p.oid = deps.objid
)
SELECT DISTINCT calls.rel, calls.k, n.nspname || '.' || p.proname, calls.type
  FROM (SELECT rel, k, fn, NULL::pg_catalog.name AS type FROM calls
        UNION ALL
        SELECT 0::pg_catalog.oid, 't', d.fn, t.typname FROM domains d JOIN pg_catalog.pg_type t ON t.oid = d.typ
        UNION ALL
        SELECT 0::pg_catalog.oid, 't', c.castfunc, t.typname FROM pg_catalog.pg_cast c JOIN pg_catalog.pg_type t ON t.oid = c.casttarget
         WHERE c.castfunc <> 0) calls
  JOIN pg_catalog.pg_proc p ON p.oid = calls.fn
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))";

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
// of them also has is looked up, not taken for PostgreSQL's own; `s.f` may be the call f(s).
constexpr const char* k_user_functions_query = R"(
SELECT DISTINCT p.proname
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))";

// The operators whose function is outside pg_catalog, wherever the operator is: an expression
// `a ### b` calls it though no call is written.
constexpr const char* k_user_operators_query = R"(
SELECT DISTINCT o.oprname, n.nspname || '.' || p.proname
  FROM pg_catalog.pg_operator o
  JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))";

// The search_path set for this database and for roles (ALTER DATABASE / ROLE ... SET): what a
// new connection starts with when its startup packet sets none. Role "" stands for every role.
constexpr const char* k_role_settings_query = R"(
SELECT COALESCE(r.rolname, ''), s.setdatabase <> 0, c.setting
  FROM pg_catalog.pg_db_role_setting s
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
  CROSS JOIN LATERAL pg_catalog.unnest(s.setconfig) c(setting)
 WHERE s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
   AND c.setting LIKE 'search\_path=%')";

// The server's own search_path, for a connection that neither its startup packet, its database
// nor its role sets one for (the lookup connection's value, unless set for the lookup's own
// database or role, then PostgreSQL's built-in default); and the schemas there are ("$user" is
// skipped where its schema does not exist).
constexpr const char* k_server_search_path_query = R"(
SELECT CASE WHEN source IN ('default', 'configuration file', 'command line', 'environment variable', 'override')
            THEN reset_val ELSE boot_val END
  FROM pg_catalog.pg_settings WHERE name = 'search_path')";
constexpr const char* k_schemas_query = "SELECT nspname FROM pg_catalog.pg_namespace";

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
                             RelationCatalogs::Protects protects, RelationCatalogs::ProtectsColumn protects_column,
                             std::function<std::string()> registry, Metrics& metrics)
    : m_conninfo(std::move(conninfo)), m_catalog(catalog), m_relations(relations), m_protects(std::move(protects)),
      m_protects_column(std::move(protects_column)), m_registry(std::move(registry)),
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
  // The rest of what the snapshot holds: a query that fails leaves the snapshot unread (writes
  // are refused), never read without what it would have said.
  std::string failed;
  const auto each_row = [&](const char* query, int nparams, const char* const* params,
                            const std::function<void(PGresult*, int)>& row) {
    if (!failed.empty()) return;
    PGresult* q = api->exec_params(conn, query, nparams, nullptr, params, nullptr, nullptr, 0);
    if (api->result_status(q) != PGRES_TUPLES_OK) {
      failed = trimmed_error(q != nullptr ? api->result_error_message(q) : api->error_message(conn));
      if (failed.empty()) failed = "a catalog query failed";
    } else {
      for (int i = 0; i < api->ntuples(q); ++i) row(q, i);
    }
    api->clear(q);
  };
  const auto relation_of = [&](PGresult* q, int i, int column) -> RelationRow* {
    const auto it = by_oid.find(to_oid(api->getvalue(q, i, column)));
    return it == by_oid.end() ? nullptr : &rows[it->second];
  };
  each_row(k_rules_query, 0, nullptr, [&](PGresult* q, int i) {
    if (RelationRow* row = relation_of(q, i, 0)) row->rules.emplace_back(*api->getvalue(q, i, 1), api->getvalue(q, i, 2));
  });
  each_row(k_columns_query, 0, nullptr, [&](PGresult* q, int i) {
    if (RelationRow* row = relation_of(q, i, 0)) row->columns.emplace_back(std::atoi(api->getvalue(q, i, 1)), api->getvalue(q, i, 2));
  });
  DatabaseFacts facts;
  each_row(k_implicit_calls_query, 0, nullptr, [&](PGresult* q, int i) {
    if (*api->getvalue(q, i, 1) == 't') {
      facts.type_functions[api->getvalue(q, i, 3)].emplace_back(api->getvalue(q, i, 2));
      return;
    }
    RelationRow* row = relation_of(q, i, 0);
    if (row == nullptr) return;
    const char kind = *api->getvalue(q, i, 1);
    auto& calls = kind == 'r' ? row->read_calls : kind == 'a' ? row->change_calls : row->write_calls;
    calls.emplace_back(api->getvalue(q, i, 2));
  });
  each_row(k_foreign_keys_query, 0, nullptr, [&](PGresult* q, int i) {
    RelationRow* row = relation_of(q, i, 1);
    if (row == nullptr) return;
    RelationRow::ForeignKey fk;
    fk.from = to_oid(api->getvalue(q, i, 0));
    fk.columns = split(api->getvalue(q, i, 2), '\x1f');
    fk.referenced = split(api->getvalue(q, i, 3), '\x1f');
    fk.set_columns = split(api->getvalue(q, i, 4), '\x1f');
    fk.on_delete = *api->getvalue(q, i, 5);
    fk.on_update = *api->getvalue(q, i, 6);
    row->referenced_by.push_back(std::move(fk));
  });
  each_row(k_user_functions_query, 0, nullptr,
           [&](PGresult* q, int i) { facts.user_functions.insert(api->getvalue(q, i, 0)); });
  each_row(k_user_operators_query, 0, nullptr,
           [&](PGresult* q, int i) { facts.operators[api->getvalue(q, i, 0)].emplace_back(api->getvalue(q, i, 1)); });
  each_row(k_role_settings_query, 0, nullptr, [&](PGresult* q, int i) {
    const std::string setting = api->getvalue(q, i, 2);
    facts.search_paths.push_back({api->getvalue(q, i, 0), std::string_view(api->getvalue(q, i, 1)) == "t",
                                  sql::split_identifier_list(setting.substr(setting.find('=') + 1))
                                      .value_or(std::vector<std::string>{})});
  });
  each_row(k_server_search_path_query, 0, nullptr, [&](PGresult* q, int i) {
    facts.server_search_path = sql::split_identifier_list(api->getvalue(q, i, 0)).value_or(std::vector<std::string>{});
  });
  each_row(k_schemas_query, 0, nullptr, [&](PGresult* q, int i) { facts.schemas.insert(api->getvalue(q, i, 0)); });
  // db protect's registry, where it is installed: the names its tables were registered under.
  std::vector<std::pair<std::uint32_t, sql::ObjectName>> registered;
  const std::string table = sql::quote_identifier(m_registry ? m_registry() : "pgwarden") + ".protected";
  const char* param = table.c_str();
  bool present = false;
  each_row("SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, &param,
           [&](PGresult* q, int i) { present = std::string_view(api->getvalue(q, i, 0)) == "t"; });
  if (present) {
    const std::string query = "SELECT relid, schema_name, table_name FROM " + table;
    each_row(query.c_str(), 0, nullptr, [&](PGresult* q, int i) {
      registered.emplace_back(to_oid(api->getvalue(q, i, 0)), sql::ObjectName{api->getvalue(q, i, 1), api->getvalue(q, i, 2)});
    });
  }
  if (!failed.empty()) {
    m_metrics.function_lookup(LookupResult::error);
    log::warn("relation lookup failed: writes are refused until it succeeds",
              {{"database", database}, {"error", failed}});
    m_relations.failed(database, failed);
    return;
  }
  m_metrics.function_lookup(LookupResult::miss);
  m_relations.store(database, generation, rows, registered, std::move(facts), m_protects, m_protects_column);
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
