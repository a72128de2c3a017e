#include "proxy/catalog.hpp"

namespace pgwarden::proxy {

std::shared_ptr<const Routines> RoutineCatalog::find(const std::string& database, const RoutineKey& key) const {
  const std::lock_guard lock(m_mutex);
  const auto db = m_databases.find(database);
  if (db == m_databases.end()) return nullptr;
  const auto it = db->second.find(key.text());
  if (it == db->second.end()) return nullptr;
  if (std::chrono::steady_clock::now() - it->second.stored > m_ttl) return nullptr;
  return it->second.routines;
}

void RoutineCatalog::store(const std::string& database, const RoutineKey& key,
                           std::shared_ptr<const Routines> routines) {
  const std::lock_guard lock(m_mutex);
  auto& db = m_databases[database];
  if (db.size() > 10000) db.clear();  // bounded: a client calling endless distinct names
  db[key.text()] = Entry{std::move(routines), std::chrono::steady_clock::now()};
}

void RoutineCatalog::invalidate(const std::string& database) {
  const std::lock_guard lock(m_mutex);
  m_databases.erase(database);
}

}  // namespace pgwarden::proxy
