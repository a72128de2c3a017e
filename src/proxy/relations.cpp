#include "proxy/relations.hpp"

#include <atomic>

#include "sql/analyzer.hpp"

namespace pgwarden::proxy {
namespace {

std::uint64_t next_id() {
  static std::atomic<std::uint64_t> last{0};
  return ++last;
}

std::string key(const std::string& schema, const std::string& name) { return schema + "." + name; }

sql::ObjectName split(const std::string& qualified) {
  const auto dot = qualified.find('.');
  return sql::ObjectName{qualified.substr(0, dot), dot == std::string::npos ? "" : qualified.substr(dot + 1)};
}

std::string option(const std::vector<std::string>& options, std::string_view name) {
  for (const auto& o : options) {
    const auto eq = o.find('=');
    if (eq != std::string::npos && std::string_view(o).substr(0, eq) == name) return o.substr(eq + 1);
  }
  return {};
}

// What a view's FROM names, read by the analyzer from its definition.
void view_targets(const std::string& schema, const std::string& name, std::string definition,
                  policy::CatalogRelation& out) {
  while (!definition.empty() && (definition.back() == ';' || definition.back() == ' ' || definition.back() == '\n')) {
    definition.pop_back();
  }
  const std::string text = "CREATE VIEW " + sql::ObjectName{schema, name}.display() + " AS " + definition;
  for (const auto& st : sql::analyze(text)) {
    for (const auto& e : st.effects()) {
      if (e.fact != sql::UnitFact::view) continue;
      out.writes_to = e.relations;
      out.filtered = e.has_where;
      for (const auto& pair : e.values) {
        const auto eq = pair.find('=');
        if (eq != std::string::npos) out.view_columns.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
      }
    }
  }
}

}  // namespace

RelationSnapshot::RelationSnapshot(std::unordered_map<std::string, policy::CatalogRelation> relations,
                                   std::unordered_map<std::string, std::vector<std::pair<char, std::string>>> rules)
    : m_relations(std::move(relations)), m_rules(std::move(rules)), m_id(next_id()) {
  for (const auto& [key, relation] : m_relations) m_by_name.emplace(relation.name.name, &relation);
}

std::vector<const policy::CatalogRelation*> RelationSnapshot::named(const std::string& name) const {
  std::vector<const policy::CatalogRelation*> out;
  const auto [from, to] = m_by_name.equal_range(name);
  for (auto it = from; it != to; ++it) out.push_back(it->second);
  return out;
}

const policy::CatalogRelation* RelationSnapshot::find(const sql::ObjectName& name) const {
  // Asked for every relation every judged write names: the key is built without allocating.
  thread_local std::string k;
  k.assign(name.schema).append(1, '.').append(name.name);
  const auto it = m_relations.find(k);
  return it == m_relations.end() ? nullptr : &it->second;
}

const std::vector<std::string>& RelationSnapshot::implicit_calls(const sql::ObjectName& name, Calls when) const {
  static const std::vector<std::string> none;
  const auto& calls = m_calls[static_cast<int>(when)];
  if (calls.empty()) return none;
  const auto it = calls.find(key(name.schema, name.name));
  return it == calls.end() ? none : it->second;
}

const std::vector<std::string>* RelationSnapshot::configured_search_path(const std::string& role) const {
  // PostgreSQL's order: this database and role, the role, the database, every role everywhere.
  const DatabaseFacts::SearchPath* best = nullptr;
  int rank = 0;
  for (const auto& p : m_facts.search_paths) {
    if (!p.role.empty() && p.role != role) continue;
    const int r = (p.role.empty() ? 0 : 2) + (p.database ? 1 : 0) + 1;
    if (r > rank) {
      rank = r;
      best = &p;
    }
  }
  if (best != nullptr) return &best->path;
  return m_facts.server_search_path.empty() ? nullptr : &m_facts.server_search_path;
}

std::vector<std::string> RelationSnapshot::rules(const sql::ObjectName& name, char event) const {
  std::vector<std::string> out;
  const auto it = m_rules.find(key(name.schema, name.name));
  if (it == m_rules.end()) return out;
  for (const auto& [e, definition] : it->second) {
    if (e == event) out.push_back(definition);
  }
  return out;
}

RelationCatalogs::RelationCatalogs(Upstream upstream, std::chrono::milliseconds refresh,
                                   std::chrono::milliseconds lease)
    : m_upstream(std::move(upstream)), m_refresh(refresh), m_lease(lease) {}

RelationCatalogs::Found RelationCatalogs::find(const std::string& database) const {
  const std::lock_guard lock(m_mutex);
  const auto it = m_databases.find(database);
  if (it == m_databases.end() || it->second.invalid || !it->second.snapshot) return {nullptr, true};
  Entry& e = it->second;
  const auto now = std::chrono::steady_clock::now();
  const bool stale = !e.snapshot->unreadable().empty() || now - e.read > m_refresh;
  if (stale && (!e.reading || now - *e.reading > m_lease)) {
    e.reading = now;  // one reader refreshes; the others go on with this snapshot
    return {e.snapshot, true};
  }
  return {e.snapshot, false};
}

void RelationCatalogs::invalidate(const std::string& database) {
  const std::lock_guard lock(m_mutex);
  Entry& e = m_databases[database];
  e.invalid = true;
  ++e.generation;
}

std::uint64_t RelationCatalogs::generation(const std::string& database) const {
  const std::lock_guard lock(m_mutex);
  return m_databases[database].generation;
}

void RelationCatalogs::failed(const std::string& database, const std::string& why) {
  const std::lock_guard lock(m_mutex);
  Entry& e = m_databases[database];
  e.reading.reset();
  // What the database's relations are is not known: a snapshot that knows none and says why
  // serves until a read succeeds (the judge lets no write through it; every statement asks for
  // another read).
  auto unknown = std::make_shared<RelationSnapshot>(
      std::unordered_map<std::string, policy::CatalogRelation>{},
      std::unordered_map<std::string, std::vector<std::pair<char, std::string>>>{});
  unknown->set_unreadable(why.empty() ? "the lookup failed" : why);
  e.snapshot = std::move(unknown);
  e.invalid = false;
  e.read = std::chrono::steady_clock::now();
}

void RelationCatalogs::store(const std::string& database, std::uint64_t generation, const std::vector<RelationRow>& rows,
                             const std::vector<std::pair<std::uint32_t, sql::ObjectName>>& registered,
                             DatabaseFacts facts, const Protects& protects, const ProtectsColumn& protects_column) {
  std::unordered_map<std::uint32_t, const RelationRow*> by_oid;
  for (const auto& r : rows) by_oid[r.oid] = &r;

  std::unordered_map<std::string, policy::CatalogRelation> relations;
  std::unordered_map<std::string, std::vector<std::pair<char, std::string>>> rules;
  std::unordered_map<std::string, std::vector<std::string>> write_calls, change_calls, read_calls;
  std::map<std::uint32_t, std::set<std::string>> identities;
  std::map<std::pair<std::uint32_t, int>, std::set<std::string>> column_identities;
  {
    const std::lock_guard lock(m_mutex);
    identities = m_identities[database];
    column_identities = m_column_identities[database];
  }
  for (const auto& [oid, name] : registered) identities[oid].insert(key(name.schema, name.name));
  for (const auto& r : rows) {
    if (protects(sql::ObjectName{r.schema, r.name})) identities[r.oid].insert(key(r.schema, r.name));
    for (const auto& [attnum, column] : r.columns) {
      if (protects_column && protects_column(sql::ObjectName{r.schema, r.name}, column)) {
        column_identities[{r.oid, attnum}].insert(column);
      }
    }
  }

  for (const auto& r : rows) {
    policy::CatalogRelation rel;
    rel.name = sql::ObjectName{r.schema, r.name};
    rel.kind = r.kind;
    if (const auto it = identities.find(r.oid); it != identities.end()) {
      for (const auto& former : it->second) {
        if (former != key(r.schema, r.name)) rel.protected_as.push_back(split(former));
      }
    }
    for (const auto& [attnum, column] : r.columns) {
      const auto it = column_identities.find({r.oid, attnum});
      if (it == column_identities.end()) continue;
      for (const auto& former : it->second) {
        if (former != column) rel.protected_columns.emplace_back(column, former);
      }
    }
    for (const auto child : r.children) {
      if (const auto c = by_oid.find(child); c != by_oid.end()) {
        rel.children.push_back(sql::ObjectName{c->second->schema, c->second->name});
      }
    }
    for (const auto& fk : r.referenced_by) {
      const auto from = by_oid.find(fk.from);
      if (from == by_oid.end()) continue;
      rel.referenced_by.push_back(policy::Reference{sql::ObjectName{from->second->schema, from->second->name},
                                                    fk.columns, fk.referenced, fk.set_columns, fk.on_delete,
                                                    fk.on_update});
    }
    if (r.kind == 'v' && !r.view_definition.empty()) view_targets(r.schema, r.name, r.view_definition, rel);
    if (r.kind == 'f') {
      rel.server = r.server;
      if (r.wrapper == "postgres_fdw") {
        std::string schema = option(r.table_options, "schema_name");
        std::string table = option(r.table_options, "table_name");
        rel.remote = sql::ObjectName{schema.empty() ? r.schema : schema, table.empty() ? r.name : table};
        const std::string host = option(r.server_options, "host");
        const std::string port = option(r.server_options, "port");
        const std::string dbname = option(r.server_options, "dbname");
        const bool local_host =
            host == m_upstream.host || host == "localhost" || host == "127.0.0.1" || host == "::1";
        rel.remote_here = local_host && (port.empty() ? "5432" : port) == std::to_string(m_upstream.port) &&
                          dbname == database;
      }
    }
    if (!r.rules.empty()) rules[key(r.schema, r.name)] = r.rules;
    if (!r.write_calls.empty()) write_calls[key(r.schema, r.name)] = r.write_calls;
    if (!r.change_calls.empty()) change_calls[key(r.schema, r.name)] = r.change_calls;
    if (!r.read_calls.empty()) read_calls[key(r.schema, r.name)] = r.read_calls;
    relations.emplace(key(r.schema, r.name), std::move(rel));
  }
  // A view runs what the relations it reads run when read: theirs are its own too.
  if (!read_calls.empty()) {
    std::unordered_map<std::string, std::vector<std::string>> closed;
    for (const auto& [k, rel] : relations) {
      if (rel.kind != 'v') continue;
      std::set<std::string> calls;
      std::vector<std::pair<sql::ObjectName, int>> pending{{rel.name, 0}};
      std::set<std::string> visited;
      while (!pending.empty()) {
        const auto [name, depth] = pending.back();
        pending.pop_back();
        const std::string at = key(name.schema, name.name);
        if (!visited.insert(at).second) continue;
        if (const auto it = read_calls.find(at); it != read_calls.end()) calls.insert(it->second.begin(), it->second.end());
        const auto found = relations.find(at);
        if (found == relations.end() || depth >= 16) continue;
        for (const auto& target : found->second.writes_to) pending.emplace_back(target, depth + 1);
      }
      if (!calls.empty()) closed[k].assign(calls.begin(), calls.end());
    }
    for (auto& [k, calls] : closed) read_calls[k] = std::move(calls);
  }

  auto built = std::make_shared<RelationSnapshot>(std::move(relations), std::move(rules));
  built->set_facts(std::move(facts));
  built->set_implicit_calls(RelationSnapshot::Calls::write, std::move(write_calls));
  built->set_implicit_calls(RelationSnapshot::Calls::change, std::move(change_calls));
  built->set_implicit_calls(RelationSnapshot::Calls::read, std::move(read_calls));
  std::shared_ptr<const RelationSnapshot> snapshot = std::move(built);
  const std::lock_guard lock(m_mutex);
  m_identities[database] = std::move(identities);
  m_column_identities[database] = std::move(column_identities);
  Entry& e = m_databases[database];
  e.snapshot = std::move(snapshot);
  e.read = std::chrono::steady_clock::now();
  e.invalid = e.generation != generation;  // DDL passed while this was read: read again
  e.reading.reset();
}

}  // namespace pgwarden::proxy
