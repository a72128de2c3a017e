// The proxy's own connections to the server for reading routine definitions (RoutineCatalog).
// libpq is blocking, so lookups run on a thread of their own, one connection per database, and
// the session that asked waits for them (only that session: the others go on).
//
// The lookup connection authenticates with its own settings (`lookup` in the proxy config, libpq
// keywords without dbname), because the proxy relays the clients' authentication and never
// learns their passwords. It needs to read pg_proc and pg_trigger, nothing more.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio.hpp>

#include "proxy/catalog.hpp"
#include "proxy/metrics.hpp"
#include "proxy/relations.hpp"

typedef struct pg_conn PGconn;  // libpq's, opened in lookup.cpp only

namespace pgwarden::proxy {

class RoutineLookup {
 public:
  // `registry` names the schema of db protect's registry (`[db] schema`), read with the
  // relations: the tables it registered keep the names they were protected under.
  RoutineLookup(std::string conninfo, RoutineCatalog& catalog, RelationCatalogs& relations,
                RelationCatalogs::Protects protects, RelationCatalogs::ProtectsColumn protects_column,
                std::function<std::string()> registry, Metrics& metrics);
  ~RoutineLookup();
  RoutineLookup(const RoutineLookup&) = delete;
  RoutineLookup& operator=(const RoutineLookup&) = delete;

  // Looks `keys` up in `database` and stores every answer (or its failure) in the catalog; the
  // awaiting coroutine resumes on its own executor.
  asio::awaitable<void> fetch(std::string database, std::vector<RoutineKey> keys);

  void stop();

 private:
  struct Connections;
  Routines look_up(const std::string& database, const RoutineKey& key);
  void look_up_relations(const std::string& database);
  // The lookup connection to `database`, (re)connected; null with `error` set when it cannot be.
  PGconn* connection(const std::string& database, std::string& error);

  std::string m_conninfo;
  RoutineCatalog& m_catalog;
  RelationCatalogs& m_relations;
  RelationCatalogs::Protects m_protects;
  RelationCatalogs::ProtectsColumn m_protects_column;
  std::function<std::string()> m_registry;
  Metrics& m_metrics;
  asio::thread_pool m_pool{1};
  std::unique_ptr<Connections> m_connections;  // touched only on m_pool's thread
};

}  // namespace pgwarden::proxy
