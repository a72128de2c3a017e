#include "proxy/lookup.hpp"

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

// Every overload of the function, outside the system schemas (a name found only there is
// built in: nothing to judge). Aggregates and window functions have no SQL body.
constexpr const char* k_function_query = R"(
SELECT pg_catalog.pg_get_functiondef(p.oid)
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proname = $1 AND ($2 = '' OR n.nspname = $2)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prokind IN ('f', 'p')
 LIMIT 32)";

// The functions of the enabled, user-defined triggers of a table.
constexpr const char* k_trigger_query = R"(
SELECT DISTINCT pg_catalog.pg_get_functiondef(t.tgfoid)
  FROM pg_catalog.pg_trigger t
 WHERE t.tgrelid = pg_catalog.to_regclass($1) AND NOT t.tgisinternal AND t.tgenabled <> 'D')";

}  // namespace

struct RoutineLookup::Connections {
  std::unordered_map<std::string, Conn> by_database;
};

RoutineLookup::RoutineLookup(std::string conninfo, RoutineCatalog& catalog, Metrics& metrics)
    : m_conninfo(std::move(conninfo)), m_catalog(catalog), m_metrics(metrics),
      m_connections(std::make_unique<Connections>()) {}

RoutineLookup::~RoutineLookup() { stop(); }

void RoutineLookup::stop() {
  m_pool.stop();
  m_pool.join();
}

Routines RoutineLookup::look_up(const std::string& database, const RoutineKey& key) {
  Routines out;
  const pq::Libpq* api = pq::libpq(&out.error);
  if (api == nullptr) return out;
  auto& conn = m_connections->by_database[database];
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn || api->status(conn.get()) != CONNECTION_OK) {
      conn.reset(api->connectdb((m_conninfo + " dbname=" + quote_conninfo_value(database) +
                              " application_name=pgwarden-lookup connect_timeout=5")
                                 .c_str()));
      if (api->status(conn.get()) != CONNECTION_OK) {
        out.error = std::string("the lookup connection failed: ") + api->error_message(conn.get());
        while (!out.error.empty() && out.error.back() == '\n') out.error.pop_back();
        conn.reset();
        return out;
      }
    }
    std::string schema;
    std::string name = key.name;
    if (key.kind == RoutineKey::Kind::function) {
      if (const auto dot = name.find('.'); dot != std::string::npos) {
        schema = name.substr(0, dot);
        name = name.substr(dot + 1);
      }
    }
    const char* params[2] = {name.c_str(), schema.c_str()};
    PGresult* r = key.kind == RoutineKey::Kind::function
                      ? api->exec_params(conn.get(), k_function_query, 2, nullptr, params, nullptr, nullptr, 0)
                      : api->exec_params(conn.get(), k_trigger_query, 1, nullptr, params, nullptr, nullptr, 0);
    const auto status = api->result_status(r);
    if (status == PGRES_TUPLES_OK) {
      for (int i = 0; i < api->ntuples(r); ++i) out.definitions.emplace_back(api->getvalue(r, i, 0));
      api->clear(r);
      return out;
    }
    out.error = api->result_error_message(r);
    while (!out.error.empty() && out.error.back() == '\n') out.error.pop_back();
    api->clear(r);
    if (api->status(conn.get()) == CONNECTION_OK) return out;  // a query error, not a lost connection
    out.error.clear();
  }
  return out;
}

asio::awaitable<void> RoutineLookup::fetch(std::string database, std::vector<RoutineKey> keys) {
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(asio::bind_executor(m_pool, asio::use_awaitable));
  for (const auto& key : keys) {
    Routines r = look_up(database, key);
    m_metrics.function_lookup(r.error.empty() ? LookupResult::miss : LookupResult::error);
    if (!r.error.empty()) log::warn("routine lookup failed", {{"database", database}, {"routine", key.name}, {"error", r.error}});
    m_catalog.store(database, key, std::make_shared<const Routines>(std::move(r)));
  }
  co_await asio::post(asio::bind_executor(home, asio::use_awaitable));
}

}  // namespace pgwarden::proxy
