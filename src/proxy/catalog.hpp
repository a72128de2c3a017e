// What the server's catalog says about the routines a statement runs without naming them in its
// own text: the bodies of the user functions it calls, and of the triggers on the tables it
// writes to. `SELECT purge_users()` runs whatever purge_users' body says; the proxy judges that
// body as if the client had sent it.
//
// The cache is keyed by database and by what was asked (a function name as written, or a table
// for its triggers) and holds the definitions as text (pg_get_functiondef), which the analyzer
// then reads like any SQL (its own cache makes a second reading free). Entries expire after a
// while, because routines also change through connections that do not pass the proxy; a
// CREATE/ALTER/DROP FUNCTION, PROCEDURE or TRIGGER that passes through clears the database's
// entries at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace pgwarden::proxy {

struct RoutineKey {
  enum class Kind : unsigned char { function, triggers, relations };
  Kind kind = Kind::function;
  std::string name;  // function: "name" or "schema.name" as written; triggers: the table, qualified
  char event = 0;    // triggers: 'i' INSERT, 'u' UPDATE, 'd' DELETE, 't' TRUNCATE
  [[nodiscard]] std::string text() const {
    switch (kind) {
      case Kind::function: return "f:" + name;
      case Kind::triggers: return std::string("t:") + event + ":" + name;
      case Kind::relations: return "r:";
    }
    return {};
  }
};

struct Routines {
  // CREATE OR REPLACE FUNCTION ... of every match; for triggers, each trigger's function followed
  // by its CREATE TRIGGER, so that the trigger binds what the function does to NEW to its table.
  std::vector<std::string> definitions;
  std::string error;                     // the lookup failed: the call cannot be judged
};

class RoutineCatalog {
 public:
  explicit RoutineCatalog(std::chrono::milliseconds ttl = std::chrono::seconds(30)) : m_ttl(ttl) {}

  // The cached routines, or null when they must be looked up.
  [[nodiscard]] std::shared_ptr<const Routines> find(const std::string& database, const RoutineKey& key) const;
  void store(const std::string& database, const RoutineKey& key, std::shared_ptr<const Routines> routines);
  void invalidate(const std::string& database);

 private:
  struct Entry {
    std::shared_ptr<const Routines> routines;
    std::chrono::steady_clock::time_point stored;
  };
  std::chrono::milliseconds m_ttl;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, std::unordered_map<std::string, Entry>> m_databases;
};

}  // namespace pgwarden::proxy
