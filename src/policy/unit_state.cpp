// Unit state: what the engine asks of it (candidates, protection, where writes land) and the
// copy-on-write plumbing. What statements do to it is in unit_record.cpp.
#include "policy/unit_state.hpp"

#include <algorithm>
#include <atomic>

#include "common/encoding.hpp"
#include "policy/unit_state_internal.hpp"

namespace pgwarden::policy {

const UnitState::State& UnitState::state() const {
  static const State none;
  return m_state ? *m_state : none;
}

UnitState::State& UnitState::state_to_change() {
  // Only this unit can give the state another owner, so a count of one stays one.
  if (!m_state) {
    m_state = std::make_shared<State>();
  } else if (m_state.use_count() > 1) {
    m_state = std::make_shared<State>(*m_state);
  } else {
    // The last other owner (a kept verdict, on another thread) let go: its reads came first.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  m_state->identity_memo.value.store(0, std::memory_order_relaxed);  // about to change
  return *m_state;
}

void UnitState::share(const std::shared_ptr<const UnitState>& other) {
  // Aliasing: the state lives as long as `other`'s owner, whose counter counts this unit too.
  m_state = other->m_state ? std::shared_ptr<State>(other, other->m_state.get()) : nullptr;
  m_transaction = other->m_transaction;
}

const std::vector<std::string>* UnitState::known_search_path(const Policy& policy) const {
  const State& s = state();
  if (!s.path_known) return nullptr;
  const std::vector<std::string>* path = s.local_path ? &*s.local_path
                                         : s.path     ? &*s.path
                                         : s.session_path ? &*s.session_path
                                                          : &policy.search_path;
  // "$user" stands for a role that cannot be known here: the path cannot be either.
  if (!s.user_known && std::find(path->begin(), path->end(), "$user") != path->end()) return nullptr;
  return path;
}

std::optional<std::vector<std::string>> UnitState::search_path(const Policy& policy) const {
  const auto* path = known_search_path(policy);
  return path != nullptr ? std::optional(*path) : std::nullopt;
}

std::string UnitState::client_encoding() const {
  const State& s = state();
  return s.local_encoding ? *s.local_encoding : s.encoding;
}

std::optional<bool> UnitState::standard_strings() const { return state().standard_strings; }

const std::vector<sql::Effect>* UnitState::prepared(const std::string& name) const {
  const State& s = state();
  const auto it = s.prepared.find(name);
  return it == s.prepared.end() ? nullptr : &it->second;
}

std::string UnitState::user_schema(const std::string& schema) const {
  const State& s = state();
  return schema == "$user" && !s.user.empty() ? s.user : schema;
}

namespace {

sql::ObjectName split_key(const std::string& key) {
  const auto dot = key.find('.');
  return sql::ObjectName{key.substr(0, dot), dot == std::string::npos ? std::string() : key.substr(dot + 1)};
}

}  // namespace

bool is_temp_schema(const std::string& schema) { return schema == "pg_temp" || schema.rfind("pg_temp_", 0) == 0; }

std::string bare_name(const std::string& qualified) {
  const auto dot = qualified.rfind('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

bool UnitState::State::knows(const std::string& key) const {
  return created.count(key) != 0 || renamed.count(key) != 0 || views.count(key) != 0 || foreign.count(key) != 0;
}

bool UnitState::State::own(const std::string& schema, const std::string& name) const {
  const std::string key = schema + "." + name;
  if (renamed.count(key) != 0) return false;  // a protected table moved in is not the unit's
  if (created.count(key) != 0) return true;
  // Everything created inside a schema the unit created is the unit's too.
  return !is_temp_schema(schema) && created.count("." + schema) != 0;
}

std::vector<Candidate> UnitState::candidates(const sql::ObjectName& name, sql::ObjectKind kind,
                                             const Policy& policy) const {
  const State& s = state();
  std::vector<Candidate> out;
  if (name.empty()) return out;
  if (kind == sql::ObjectKind::schema || kind == sql::ObjectKind::database) {
    out.push_back({sql::ObjectName{"", name.name}, s.created.count("." + name.name) != 0});
    return out;
  }
  if (!name.schema.empty()) {
    if (is_temp_schema(name.schema)) {
      out.push_back({sql::ObjectName{"pg_temp", name.name}, s.temp.count(name.name) != 0});
    } else {
      out.push_back({name, s.own(name.schema, name.name)});
    }
    return out;
  }
  // A bare name: the schemas of the search path in order, the session's temp tables first unless
  // the path lists pg_temp elsewhere, up to the first relation the unit knows exists there.
  const auto path = search_path(policy);
  const std::vector<std::string>& schemas = path ? *path : policy.search_path;
  const bool temp_listed = path && std::find(schemas.begin(), schemas.end(), "pg_temp") != schemas.end();
  const auto temp = [&]() {
    if (s.temp.count(name.name) == 0) return false;
    out.push_back({sql::ObjectName{"pg_temp", name.name}, true});
    return true;
  };
  // Without a known path the temp table cannot be said to come first.
  if (path && !temp_listed && temp()) return out;
  for (const auto& listed : schemas) {
    if (listed == "pg_temp") {
      if (temp()) return out;
      continue;
    }
    if (listed == "pg_catalog" || listed.empty()) continue;
    if (listed == "$user" && !s.user_schema_exists && (s.created.empty() || s.created.count("." + s.user) == 0)) {
      continue;  // no schema of that name: PostgreSQL skips it
    }
    const std::string schema = user_schema(listed);
    out.push_back({sql::ObjectName{schema, name.name}, s.own(schema, name.name)});
    if (s.knows(schema + "." + name.name)) return out;
  }
  if (!path) temp();  // the temp table, if any, somewhere in an unknown path: stricter with it
  if (out.empty()) out.push_back({sql::ObjectName{policy.search_path.empty() ? "public" : policy.search_path.front(), name.name}, false});
  return out;
}

bool UnitState::created(const sql::ObjectName& name, sql::ObjectKind kind, const Policy& policy) const {
  if (m_state == nullptr) return false;
  const auto found = candidates(name, kind, policy);
  return !found.empty() && std::all_of(found.begin(), found.end(), [](const Candidate& c) { return c.own; });
}

sql::ObjectName UnitState::protected_name(const Candidate& candidate) const {
  const State& s = state();
  if (const auto it = s.renamed.find(candidate.key()); it != s.renamed.end()) return it->second;
  if (const auto it = s.schemas.find(candidate.name.schema); it != s.schemas.end()) {
    return sql::ObjectName{it->second, candidate.name.name};
  }
  return candidate.name;
}

std::string UnitState::original_column(const Candidate& table, const std::string& column) const {
  const State& s = state();
  const auto it = s.columns.find(table.key() + "|" + column);
  return it == s.columns.end() ? column : it->second;
}

const UnitView* UnitState::view(const Candidate& relation) const {
  const State& s = state();
  const auto it = s.views.find(relation.key());
  return it == s.views.end() ? nullptr : &it->second;
}

std::vector<sql::ObjectName> UnitState::children(const Candidate& relation) const {
  const State& s = state();
  const auto it = s.children.find(relation.key());
  return it == s.children.end() ? std::vector<sql::ObjectName>{} : it->second;
}

std::optional<UnitForeign> UnitState::foreign_table(const Candidate& relation) const {
  const State& s = state();
  if (const auto it = s.foreign.find(relation.key()); it != s.foreign.end()) return it->second;
  const auto schema = s.foreign_schemas.find(relation.name.schema);
  if (schema == s.foreign_schemas.end()) return std::nullopt;
  const auto& f = schema->second;
  const bool listed = std::find(f.tables.begin(), f.tables.end(), relation.name.name) != f.tables.end();
  if ((f.list == "limit_to" && !listed) || (f.list == "except" && listed)) return std::nullopt;
  return UnitForeign{f.server, sql::ObjectName{f.remote_schema, relation.name.name}};
}

std::optional<std::vector<std::string>> UnitState::foreign_server(const std::string& server) const {
  const State& s = state();
  const auto it = s.servers.find(server);
  if (it == s.servers.end()) return std::nullopt;
  return it->second;
}

const UnitTriggerFunction* UnitState::trigger_function(const sql::ObjectName& function) const {
  const State& s = state();
  const auto it = s.trigger_functions.find(function.name);  // by bare name: stricter than by schema
  return it == s.trigger_functions.end() ? nullptr : &it->second;
}

std::vector<sql::ObjectName> UnitState::moved_into(const std::string& schema) const {
  std::vector<sql::ObjectName> out;
  for (const auto& [key, original] : state().renamed) {
    if (split_key(key).schema == schema) out.push_back(original);
  }
  return out;
}

// Every way `evaluate` consults the unit, asked of each effect: where none of them answers
// otherwise than an empty unit would.
bool UnitState::State::default_path(const Policy& policy) const {
  if (!path_known) return false;
  const std::vector<std::string>* set = local_path ? &*local_path : path ? &*path : session_path ? &*session_path : nullptr;
  if (set == nullptr) return true;
  const auto relevant = [&](const std::string& schema) {
    if (schema.empty() || schema == "pg_catalog" || schema == "pg_temp") return false;
    return schema != "$user" || (user_schema_exists && user_known) || (!created.empty() && created.count("." + user) != 0);
  };
  auto a = set->begin();
  auto b = policy.search_path.begin();
  for (;;) {
    while (a != set->end() && !relevant(*a)) ++a;
    while (b != policy.search_path.end() && !relevant(*b)) ++b;
    if (a == set->end() || b == policy.search_path.end()) return a == set->end() && b == policy.search_path.end();
    if (*a == "$user" || *b == "$user" || *a != *b) return false;
    ++a;
    ++b;
  }
}

bool UnitState::State::only_identity(const Policy& policy) const {
  const std::uint64_t key = policy.instance.value << 2;
  const std::uint64_t memo = identity_memo.value.load(std::memory_order_relaxed);
  if ((memo & ~std::uint64_t{3}) == key && (memo & 2) != 0) return (memo & 1) != 0;
  // Every field of State but the session's identity and starting path: a field added to State
  // belongs here unless it says who the session is.
  const bool only = created.empty() && temp.empty() && commit_drop.empty() && renamed.empty() && columns.empty() &&
                    schemas.empty() && views.empty() && children.empty() && foreign.empty() &&
                    foreign_schemas.empty() && servers.empty() && trigger_functions.empty() && prepared.empty() &&
                    !path && !local_path && encoding == "UTF8" && session_encoding == "UTF8" && !local_encoding &&
                    standard_strings == true && user_known && default_path(policy);
  identity_memo.value.store(key | 2 | (only ? 1 : 0), std::memory_order_relaxed);
  return only;
}

bool UnitState::neutral(const Policy& policy) const {
  if (m_state == nullptr) return !m_transaction.open;
  return !m_transaction.open && m_state->only_identity(policy);
}

bool UnitState::bears_on(const sql::Statement& statement, const Policy& policy) const {
  if (m_state == nullptr) return false;
  const State& s = state();
  if (s.only_identity(policy)) return false;  // who the session is, and a path that resolves as the default
  if (!encoding::is_ascii(statement.text) && encoding::classify(client_encoding()) != encoding::Kind::utf8) return true;
  const bool default_path = s.default_path(policy);
  for (const sql::Effect& e : statement.effects()) {
    if (e.fact == sql::UnitFact::trigger && !e.values.empty() && s.trigger_functions.count(bare_name(e.values[0])) != 0) {
      return true;
    }
    // EXECUTE runs what this unit prepared under the name (a blank unit knows nothing of it).
    if (e.fact == sql::UnitFact::execute && !e.values.empty() && s.prepared.count(e.values[0]) != 0) return true;
    if (e.object.empty()) continue;
    if (e.object.schema.empty() && !default_path) return true;
    if (e.object.schema.empty() && s.temp.count(e.object.name) != 0) return true;
    for (const Candidate& c : candidates(e.object, e.kind, policy)) {
      if (c.own || s.knows(c.key()) || s.schemas.count(c.name.schema) != 0 || s.children.count(c.key()) != 0 ||
          s.foreign_schemas.count(c.name.schema) != 0) {
        return true;
      }
      for (const auto& col : e.columns) {
        if (s.columns.count(c.key() + "|" + col) != 0) return true;
      }
    }
    if ((e.kind == sql::ObjectKind::schema) && !moved_into(e.object.name).empty()) return true;
  }
  return false;
}

}  // namespace pgwarden::policy
