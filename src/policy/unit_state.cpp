// Unit state (DESIGN.md): within one unit, objects created earlier are not protected, and a
// protected table renamed earlier keeps its protection under its new name. Names resolve the way
// PostgreSQL would: a bare name is a temp relation created in the unit if there is one, else the
// first schema of the policy's search_path.
#include "policy/evaluate.hpp"

namespace pgwarden::policy {
namespace {

std::string key(const std::string& schema, const std::string& name) { return schema + "." + name; }

}  // namespace

std::string UnitState::resolve(const sql::ObjectName& name, const Policy& policy) const {
  if (!name.schema.empty()) return key(name.schema, name.name);
  if (m_temp.count(name.name) != 0) return key("pg_temp", name.name);
  return key(policy.search_path.empty() ? "public" : policy.search_path.front(), name.name);
}

bool UnitState::created(const sql::ObjectName& name, sql::ObjectKind kind, const Policy& policy) const {
  if (name.empty()) return false;
  if (kind == sql::ObjectKind::schema || kind == sql::ObjectKind::database) {
    return m_created.count(key("", name.name)) != 0;
  }
  if (m_created.count(resolve(name, policy)) != 0) return true;
  // Everything inside a schema created in this unit was created in this unit too.
  return !name.schema.empty() && m_created.count(key("", name.schema)) != 0;
}

sql::ObjectName UnitState::protected_name(const sql::ObjectName& name, const Policy& policy) const {
  auto it = m_renamed.find(resolve(name, policy));
  return it == m_renamed.end() ? name : it->second;
}

std::string UnitState::original_column(const sql::ObjectName& table, const std::string& column,
                                       const Policy& policy) const {
  auto it = m_columns.find(resolve(table, policy) + "|" + column);
  return it == m_columns.end() ? column : it->second;
}

void UnitState::record(const sql::Statement& statement, const Policy& policy) {
  for (const sql::Effect& e : statement.effects()) {
    if (e.creates && !e.object.empty()) {
      if (e.kind == sql::ObjectKind::schema || e.kind == sql::ObjectKind::database) {
        m_created.insert(key("", e.object.name));
      } else if (e.temporary) {
        m_temp.insert(e.object.name);
        m_created.insert(key("pg_temp", e.object.name));
      } else {
        m_created.insert(resolve(e.object, policy));
      }
    }
    if (e.new_name.empty() || !e.member.empty()) continue;  // renaming a trigger keeps its table
    if (e.kind == sql::ObjectKind::column) {
      // ALTER TABLE t RENAME COLUMN a TO b: b keeps a's protection.
      if (e.columns.empty()) continue;
      const std::string table = resolve(e.object, policy);
      const std::string original = original_column(e.object, e.columns.front(), policy);
      m_columns[table + "|" + e.new_name.name] = original;
      continue;
    }
    if (e.kind == sql::ObjectKind::schema || e.kind == sql::ObjectKind::database) {
      if (m_created.count(key("", e.object.name)) != 0) m_created.insert(key("", e.new_name.name));
      continue;
    }
    const std::string old_key = resolve(e.object, policy);
    sql::ObjectName target = e.new_name;
    if (target.schema.empty() && !e.object.schema.empty()) target.schema = e.object.schema;
    const std::string new_key = resolve(target, policy);
    if (m_created.count(old_key) != 0) {
      m_created.insert(new_key);
      continue;
    }
    // Follow earlier renames back to the name the policy protects.
    sql::ObjectName original = e.object;
    if (auto it = m_renamed.find(old_key); it != m_renamed.end()) original = it->second;
    m_renamed[new_key] = original;
  }
}

}  // namespace pgwarden::policy
