// Unit state (DESIGN.md): within one unit, objects created earlier are not protected, and a
// protected table renamed earlier keeps its protection under its new name. Names resolve the way
// PostgreSQL would: a bare name is a temp relation created in the unit if there is one, else the
// first schema of the policy's search_path.
#include <atomic>

#include "policy/evaluate.hpp"

namespace pgwarden::policy {
namespace {

std::string key(const std::string& schema, const std::string& name) { return schema + "." + name; }

}  // namespace

const UnitState::Names& UnitState::names() const {
  static const Names none;
  return m_names ? *m_names : none;
}

UnitState::Names& UnitState::names_to_change() {
  // Only this unit can give the names another owner, so a count of one stays one.
  if (!m_names) {
    m_names = std::make_shared<Names>();
  } else if (m_names.use_count() > 1) {
    m_names = std::make_shared<Names>(*m_names);
  } else {
    // The last other owner (a kept verdict, on another thread) let go: its reads came first.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return *m_names;
}

void UnitState::share(const std::shared_ptr<const UnitState>& other) {
  // Aliasing: the names live as long as `other`'s owner, whose counter counts this unit too.
  m_names = other->m_names ? std::shared_ptr<Names>(other, other->m_names.get()) : nullptr;
}

std::string UnitState::resolve(const sql::ObjectName& name, const Policy& policy) const {
  if (!name.schema.empty()) return key(name.schema, name.name);
  if (names().temp.count(name.name) != 0) return key("pg_temp", name.name);
  return key(policy.search_path.empty() ? "public" : policy.search_path.front(), name.name);
}

bool UnitState::created(const sql::ObjectName& name, sql::ObjectKind kind, const Policy& policy) const {
  if (name.empty()) return false;
  if (kind == sql::ObjectKind::schema || kind == sql::ObjectKind::database) {
    return names().created.count(key("", name.name)) != 0;
  }
  if (names().created.count(resolve(name, policy)) != 0) return true;
  // Everything inside a schema created in this unit was created in this unit too.
  return !name.schema.empty() && names().created.count(key("", name.schema)) != 0;
}

sql::ObjectName UnitState::protected_name(const sql::ObjectName& name, const Policy& policy) const {
  auto it = names().renamed.find(resolve(name, policy));
  return it == names().renamed.end() ? name : it->second;
}

std::string UnitState::original_column(const sql::ObjectName& table, const std::string& column,
                                       const Policy& policy) const {
  auto it = names().columns.find(resolve(table, policy) + "|" + column);
  return it == names().columns.end() ? column : it->second;
}

// Every way `evaluate` consults the unit (created, protected_name, resolve, original_column),
// asked of each effect: where none of them answers otherwise than an empty unit would.
bool UnitState::bears_on(const sql::Statement& statement, const Policy& policy) const {
  if (empty()) return false;
  const Names& n = names();
  for (const sql::Effect& e : statement.effects()) {
    if (e.object.empty()) continue;
    if (!e.creates && created(e.object, e.kind, policy)) return true;
    if (e.object.schema.empty() && n.temp.count(e.object.name) != 0) return true;
    if (n.renamed.empty() && n.columns.empty()) continue;
    const std::string resolved = resolve(e.object, policy);
    if (n.renamed.count(resolved) != 0) return true;
    for (const auto& c : e.columns) {
      if (n.columns.count(resolved + "|" + c) != 0) return true;
    }
  }
  return false;
}

void UnitState::record(const sql::Statement& statement, const Policy& policy) {
  for (const sql::Effect& e : statement.effects()) {
    if (e.creates && !e.object.empty()) {
      if (e.kind == sql::ObjectKind::schema || e.kind == sql::ObjectKind::database) {
        names_to_change().created.insert(key("", e.object.name));
      } else if (e.temporary) {
        names_to_change().temp.insert(e.object.name);
        names_to_change().created.insert(key("pg_temp", e.object.name));
      } else {
        names_to_change().created.insert(resolve(e.object, policy));
      }
    }
    if (e.new_name.empty() || !e.member.empty()) continue;  // renaming a trigger keeps its table
    if (e.kind == sql::ObjectKind::column) {
      // ALTER TABLE t RENAME COLUMN a TO b: b keeps a's protection.
      if (e.columns.empty()) continue;
      const std::string table = resolve(e.object, policy);
      const std::string original = original_column(e.object, e.columns.front(), policy);
      names_to_change().columns[table + "|" + e.new_name.name] = original;
      continue;
    }
    if (e.kind == sql::ObjectKind::schema || e.kind == sql::ObjectKind::database) {
      if (names().created.count(key("", e.object.name)) != 0) {
        names_to_change().created.insert(key("", e.new_name.name));
      }
      continue;
    }
    const std::string old_key = resolve(e.object, policy);
    sql::ObjectName target = e.new_name;
    if (target.schema.empty() && !e.object.schema.empty()) target.schema = e.object.schema;
    const std::string new_key = resolve(target, policy);
    if (names().created.count(old_key) != 0) {
      names_to_change().created.insert(new_key);
      continue;
    }
    // Follow earlier renames back to the name the policy protects.
    sql::ObjectName original = e.object;
    if (auto it = names().renamed.find(old_key); it != names().renamed.end()) original = it->second;
    names_to_change().renamed[new_key] = original;
  }
}

}  // namespace pgwarden::policy
