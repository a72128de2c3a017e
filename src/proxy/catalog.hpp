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
  enum class Kind : unsigned char { function, triggers };
  Kind kind = Kind::function;
  std::string name;  // function: "name" or "schema.name" as written; triggers: the table as written
  [[nodiscard]] std::string text() const { return (kind == Kind::function ? "f:" : "t:") + name; }
};

struct Routines {
  std::vector<std::string> definitions;  // CREATE OR REPLACE FUNCTION ... of every match
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
