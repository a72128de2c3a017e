// Unit state: what a statement does to it (unit_state.hpp says what is kept and why).
//
// Only what runs now is recorded: a statement's own effects and its data-modifying CTEs, never
// the effects of a routine body, a rule or a PREPAREd statement, which run later or never. What
// a DO block does runs now but is read less exactly, so there only the strict half counts: its
// settings make the session's settings unknown and its transaction control forgets what the
// transaction created. Renames are recorded wherever they hide, because they only ever make
// protection follow a name.
//
// Transactions: what a transaction creates is its own only while the transaction stands. A
// ROLLBACK (or ROLLBACK TO SAVEPOINT) takes back what was created and set since, as PostgreSQL
// does (https://www.postgresql.org/docs/15/sql-rollback-to.html); a COMMIT of a failed
// transaction is a ROLLBACK; ON COMMIT DROP tables go at COMMIT.
#include <algorithm>

#include "common/encoding.hpp"
#include "policy/unit_state_internal.hpp"

namespace pgwarden::policy {
namespace {

using sql::UnitFact;

bool is_drop(sql::Action a) {
  return a == sql::Action::drop_table || a == sql::Action::drop_object || a == sql::Action::drop_sequence ||
         a == sql::Action::drop_schema || a == sql::Action::drop_database;
}

bool runs_now(sql::Via via) { return via == sql::Via::direct || via == sql::Via::explain_analyze; }

// Everything the unit keeps under schema `from` now lives under `to` (ALTER SCHEMA ... RENAME):
// what it created there and, above all, the protected tables it moved there.
void move_schema(UnitState::State& s, const std::string& from, const std::string& to) {
  const std::string prefix = from + ".";
  const auto moved = [&](const std::string& key) { return to + "." + key.substr(prefix.size()); };
  const auto move_all = [&](auto& map) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : map) {
      if (key.rfind(prefix, 0) == 0) keys.push_back(key);
    }
    for (const auto& key : keys) {
      auto node = map.extract(key);
      node.key() = moved(key);
      map.insert(std::move(node));
    }
  };
  move_all(s.renamed);
  move_all(s.views);
  move_all(s.foreign);
  move_all(s.children);
  std::map<std::string, std::string> columns;
  for (const auto& [key, original] : s.columns) columns[key.rfind(prefix, 0) == 0 ? moved(key) : key] = original;
  s.columns = std::move(columns);
  std::set<std::string> created;
  for (const auto& key : s.created) created.insert(key.rfind(prefix, 0) == 0 ? moved(key) : key);
  s.created = std::move(created);
}

void move_key(auto& map, const std::string& from, const std::string& to) {
  const auto it = map.find(from);
  if (it == map.end()) return;
  auto value = std::move(it->second);
  map.erase(it);
  map[to] = std::move(value);
}

}  // namespace

bool UnitState::changes_units(const sql::Statement& statement) {
  for (const sql::Effect& e : statement.effects()) {
    if (e.creates || !e.new_name.empty() || e.fact != UnitFact::none || is_drop(e.action)) return true;
  }
  return false;
}

void UnitState::set_session_search_path(std::vector<std::string> schemas) {
  state_to_change().session_path = std::move(schemas);
}

void UnitState::set_user_schema_exists(bool exists) { state_to_change().user_schema_exists = exists; }
bool UnitState::user_schema_exists() const { return state().user_schema_exists; }
std::string UnitState::user() const { return state().user_known ? state().user : std::string(); }

bool UnitState::has_session_search_path() const { return state().session_path.has_value(); }

void UnitState::set_client_encoding(std::string encoding) {
  State& s = state_to_change();
  s.encoding = encoding::canonical(encoding);
  s.session_encoding = s.encoding;
  s.local_encoding.reset();
}

void UnitState::set_standard_strings(bool on) { state_to_change().standard_strings = on; }

void UnitState::set_user(std::string user) {
  State& s = state_to_change();
  s.login_user = s.session_user = s.user = std::move(user);
  s.user_known = true;
}

void UnitState::transaction_failed() {
  if (m_transaction.open) m_transaction.failed = true;
}

void UnitState::transaction_idle() {
  if (!m_transaction.open) return;
  // The transaction ended without a statement the unit saw (a procedure's COMMIT, or a message
  // whose outcome was not followed): what it created may be gone, its settings may be back.
  forget_creations_since_start();
  m_transaction = {};
}

void UnitState::begin() {
  if (m_transaction.open) return;  // PostgreSQL warns and stays in the transaction
  m_transaction.open = true;
  m_transaction.failed = false;
  m_transaction.start = m_state;
  m_transaction.savepoints.clear();
}

void UnitState::commit(bool pending) {
  if (!m_transaction.open) return;
  if (pending) {
    // A COMMIT whose outcome is not known (or that failed: a deferred constraint) may have
    // rolled back: what the transaction created is not counted.
    forget_creations_since_start();
  }
  if (m_transaction.failed) {
    roll_back_to(m_transaction.start);
  } else if (m_state) {
    State& s = state_to_change();
    for (const auto& name : s.commit_drop) {
      s.temp.erase(name);
      s.created.erase("pg_temp." + name);
    }
    s.commit_drop.clear();
    if (pending && (s.local_path || s.local_encoding)) {
      if (s.local_path) s.path_known = false;
      if (s.local_encoding) s.encoding.clear();
    }
    s.local_path.reset();
    s.local_encoding.reset();
  }
  m_transaction = {};
}

void UnitState::roll_back_to(const std::shared_ptr<State>& snapshot) {
  static const State none;
  const State& before = snapshot ? *snapshot : none;
  if (!m_state) return;
  State& s = state_to_change();
  // What relaxes the policy goes back; what makes protection follow a name stays.
  s.created = before.created;
  s.temp = before.temp;
  s.commit_drop = before.commit_drop;
  s.path = before.path;
  s.local_path = before.local_path;
  s.path_known = before.path_known;
  s.encoding = before.encoding;
  s.local_encoding = before.local_encoding;
  s.standard_strings = before.standard_strings;
}

void UnitState::forget_creations_since_start() {
  if (!m_transaction.open) return;  // outside a transaction a ROLLBACK takes nothing back
  static const State none;
  const State& before = m_transaction.start ? *m_transaction.start : none;
  if (!m_state) return;
  State& s = state_to_change();
  s.created = before.created;
  s.temp = before.temp;
  s.commit_drop = before.commit_drop;
  if (s.path != before.path || s.local_path != before.local_path) s.path_known = false;
  if (s.encoding != before.encoding || s.local_encoding != before.local_encoding) s.encoding.clear();
  if (s.standard_strings != before.standard_strings) s.standard_strings.reset();
}

void UnitState::record(const sql::Statement& statement, const Policy& policy, Outcome outcome) {
  for (const sql::Effect& e : statement.effects()) apply(statement, e, policy, outcome);
}

void UnitState::apply(const sql::Statement& statement, const sql::Effect& e, const Policy& policy, Outcome outcome) {
  const bool pending = outcome == Outcome::pending;
  const bool now = runs_now(e.via);
  const bool in_do = e.via == sql::Via::do_block;

  // Settings and transactions: exactly for the statement's own, strictly for a DO block's.
  if ((now || in_do) && e.fact != UnitFact::none) {
    const bool strict = pending || in_do;
    const std::string setting = e.values.empty() ? std::string() : e.values.front();
    const std::vector<std::string> items(e.values.empty() ? e.values.end() : e.values.begin() + 1, e.values.end());
    switch (e.fact) {
      case UnitFact::begin:
        if (now) begin();
        break;
      case UnitFact::commit:
        if (in_do) {
          forget_creations_since_start();
        } else {
          commit(pending);
          if (std::find(e.values.begin(), e.values.end(), "chain") != e.values.end()) begin();
        }
        break;
      case UnitFact::rollback:
      case UnitFact::prepare_transaction:
        if (strict) {
          forget_creations_since_start();
        } else if (m_transaction.open) {
          roll_back_to(m_transaction.start);
        }
        if (!in_do) {
          const bool chain = std::find(e.values.begin(), e.values.end(), "chain") != e.values.end();
          m_transaction = {};
          if (chain && e.fact == UnitFact::rollback) begin();
        }
        break;
      case UnitFact::savepoint:
        if (now && m_transaction.open) m_transaction.savepoints.emplace_back(setting, m_state);
        break;
      case UnitFact::release:
      case UnitFact::rollback_to: {
        auto& points = m_transaction.savepoints;
        auto it = std::find_if(points.rbegin(), points.rend(), [&](const auto& p) { return p.first == setting; });
        if (it == points.rend()) {
          if (e.fact == UnitFact::rollback_to) forget_creations_since_start();  // a savepoint not seen
          break;
        }
        const auto index = static_cast<std::size_t>(std::distance(it, points.rend()) - 1);
        if (e.fact == UnitFact::release) {
          points.resize(index);
        } else {
          if (strict) {
            forget_creations_since_start();
          } else {
            roll_back_to(points[index].second);
          }
          points.resize(index + 1);
          m_transaction.failed = false;
        }
        break;
      }
      case UnitFact::set:
      case UnitFact::set_local:
      case UnitFact::reset:
      case UnitFact::reset_all: {
        const bool path = setting == "search_path" || setting.empty() || e.fact == UnitFact::reset_all;
        const bool names = setting == "client_encoding" || setting == "names" || setting.empty() ||
                           e.fact == UnitFact::reset_all;
        const bool strings = setting == "standard_conforming_strings" || setting.empty() || e.fact == UnitFact::reset_all;
        if (strings) {
          // How backslashes in later strings read: unknown unless set to a value here and now.
          State& s = state_to_change();
          const std::string v = items.empty() ? std::string() : items.front();
          if (strict || (e.fact != UnitFact::set && e.fact != UnitFact::set_local) || items.empty()) {
            s.standard_strings.reset();
          } else {
            s.standard_strings = !(v == "off" || v == "false" || v == "0" || v == "no");
          }
        }
        if (setting == "role" || setting == "session_authorization" || e.fact == UnitFact::reset_all) {
          // Who "$user" is. SET LOCAL, a DO block's or a value computed at run time: not known
          // (a path with "$user" is then unknown). RESET ALL leaves the role; DISCARD ALL, which
          // reads the same, resets it.
          State& s = state_to_change();
          const std::string v = items.empty() ? std::string() : items.front();
          const bool reset = e.fact == UnitFact::reset || v == "none" || v == "default";
          s.user_schema_exists = true;  // until a door that reads the catalog says otherwise
          if (e.fact == UnitFact::reset_all) {
            if (s.user != s.login_user) s.user_known = false;
          } else if (strict || e.fact == UnitFact::set_local || (!reset && items.empty())) {
            s.user_known = false;
          } else if (setting == "session_authorization") {
            s.session_user = s.user = reset ? s.login_user : v;
            s.user_known = true;
          } else {
            s.user = reset ? s.session_user : v;
            s.user_known = true;
          }
        }
        if (!path && !names) break;
        State& s = state_to_change();
        const bool known = !setting.empty() && (e.fact == UnitFact::reset || e.fact == UnitFact::reset_all ||
                                                !items.empty());
        if (strict || !known) {
          if (path) s.path_known = false;
          if (names) s.encoding.clear();
          break;
        }
        if (e.fact == UnitFact::set_local && !m_transaction.open) break;  // no effect outside a transaction
        if (path) {
          if (e.fact == UnitFact::set) {
            s.path = items;
            s.local_path.reset();
          } else if (e.fact == UnitFact::set_local) {
            s.local_path = items;
          } else {
            s.path.reset();
            s.local_path.reset();
          }
          s.path_known = true;
        }
        if (names) {
          if (e.fact == UnitFact::reset_all) {
            if (s.encoding != s.session_encoding) s.encoding.clear();
          } else if (e.fact == UnitFact::reset) {
            s.encoding = s.session_encoding;
            s.local_encoding.reset();
          } else if (e.fact == UnitFact::set_local) {
            s.local_encoding = encoding::canonical(items.front());
          } else {
            s.encoding = encoding::canonical(items.front());
            s.local_encoding.reset();
          }
        }
        break;
      }
      case UnitFact::prepare: {
        // What EXECUTE runs: judged again then, in the unit as it is then (PostgreSQL resolves
        // the statement's names again when the search path or a relation changed).
        std::vector<sql::Effect> inner;
        for (const sql::Effect& p : statement.effects()) {
          if (p.via == sql::Via::prepare && p.via_name == setting) inner.push_back(p);
        }
        state_to_change().prepared[setting] = std::move(inner);
        break;
      }
      case UnitFact::deallocate:
        if (setting.empty()) {
          state_to_change().prepared.clear();
        } else {
          state_to_change().prepared.erase(setting);
        }
        break;
      case UnitFact::discard_all:
      case UnitFact::discard_temp: {
        State& s = state_to_change();
        if (e.fact == UnitFact::discard_all) s.prepared.clear();
        for (const auto& name : s.temp) s.created.erase("pg_temp." + name);
        s.temp.clear();
        s.commit_drop.clear();
        if (e.fact == UnitFact::discard_all) {
          s.path.reset();
          s.local_path.reset();
          s.path_known = !strict;
          if (s.encoding != s.session_encoding) s.encoding.clear();
        }
        break;
      }
      default:
        break;
    }
  }

  // Links between relations: they only ever add protection, so they count however the statement
  // went and wherever it hides.
  switch (e.fact) {
    case UnitFact::view: {
      UnitView view;
      view.filtered = e.has_where;
      for (const auto& r : e.relations) {
        for (const Candidate& c : candidates(r, sql::ObjectKind::table, policy)) view.relations.push_back(c.name);
      }
      for (const auto& pair : e.values) {
        const auto eq = pair.find('=');
        if (eq != std::string::npos) view.columns[pair.substr(0, eq)] = pair.substr(eq + 1);
      }
      // Where the view is: where CREATE VIEW puts it (pg_temp for a temp view), and, for
      // CREATE OR REPLACE, wherever the name may already be one.
      std::vector<std::string> keys;
      if (const auto key = creation_key(e, policy)) keys.push_back(*key);
      if (!e.creates) {
        for (const Candidate& v : candidates(e.object, e.kind, policy)) keys.push_back(v.key());
      }
      for (const auto& key : keys) state_to_change().views[key] = view;
      break;
    }
    case UnitFact::inherit:
      if (!e.relations.empty()) {
        for (const Candidate& parent : candidates(e.relations.front(), sql::ObjectKind::table, policy)) {
          for (const Candidate& child : candidates(e.object, sql::ObjectKind::table, policy)) {
            state_to_change().children[parent.key()].push_back(child.name);
          }
        }
      }
      break;
    case UnitFact::no_inherit:
      if (!pending && now && !e.relations.empty()) {
        for (const Candidate& parent : candidates(e.relations.front(), sql::ObjectKind::table, policy)) {
          if (state().children.count(parent.key()) == 0) continue;
          auto& list = state_to_change().children[parent.key()];
          for (const Candidate& child : candidates(e.object, sql::ObjectKind::table, policy)) {
            list.erase(std::remove(list.begin(), list.end(), child.name), list.end());
          }
        }
      }
      break;
    case UnitFact::foreign_table:
      if (!e.relations.empty()) {
        for (const Candidate& f : candidates(e.object, e.kind, policy)) {
          state_to_change().foreign[f.key()] = UnitForeign{e.values.empty() ? "" : e.values.front(), e.relations.front()};
        }
      }
      break;
    case UnitFact::foreign_server:
      state_to_change().servers[e.object.name] = e.values;
      break;
    case UnitFact::import_foreign_schema:
      if (e.values.size() >= 3) {
        State::ForeignSchema f{e.values[0], e.values[1], e.values[2], {}};
        for (const auto& r : e.relations) f.tables.push_back(r.name);
        state_to_change().foreign_schemas[e.object.schema] = std::move(f);
      }
      break;
    case UnitFact::trigger_function: {
      UnitTriggerFunction f;
      f.language = e.values.empty() ? "" : e.values.front();
      if (e.values.size() >= 2) f.symbol = e.values[1];
      for (const sql::Effect& inner : statement.effects()) {
        if (inner.fact != UnitFact::new_row || (!inner.values.empty() && inner.values.front() == "insert")) continue;
        f.every_column = f.every_column || inner.every_column;
        for (const auto& c : inner.columns) {
          if (std::find(f.columns.begin(), f.columns.end(), c) == f.columns.end()) f.columns.push_back(c);
        }
      }
      state_to_change().trigger_functions[e.object.name] = std::move(f);
      break;
    }
    default:
      break;
  }

  // Renames: protection follows the new name (from anywhere); the unit's own objects move.
  if (!e.new_name.empty() && e.member.empty()) {
    if (e.kind == sql::ObjectKind::column) {
      if (!e.columns.empty()) {
        for (const Candidate& c : candidates(e.object, sql::ObjectKind::table, policy)) {
          const std::string original = original_column(c, e.columns.front());
          state_to_change().columns[c.key() + "|" + e.new_name.name] = original;
        }
      }
    } else if (e.kind == sql::ObjectKind::schema || e.kind == sql::ObjectKind::database) {
      State& s = state_to_change();
      if (s.created.count("." + e.object.name) != 0) {
        if (now && !pending) s.created.insert("." + e.new_name.name);
        s.created.erase("." + e.object.name);
      } else if (e.kind == sql::ObjectKind::schema) {
        const auto earlier = s.schemas.find(e.object.name);
        s.schemas[e.new_name.name] = earlier != s.schemas.end() ? earlier->second : e.object.name;
      }
      if (e.kind == sql::ObjectKind::schema) move_schema(s, e.object.name, e.new_name.name);
    } else {
      for (const Candidate& c : candidates(e.object, e.kind, policy)) {
        const std::string schema = e.new_name.schema.empty() ? c.name.schema : e.new_name.schema;
        const std::string to = schema + "." + e.new_name.name;
        State& s = state_to_change();
        if (!c.own) {
          s.renamed[to] = protected_name(c);
          continue;
        }
        s.created.erase(c.key());
        if (c.name.schema == "pg_temp") s.temp.erase(c.name.name);
        if (pending || !now) continue;  // not known to be there under the new name
        s.created.insert(to);
        if (c.name.schema == "pg_temp") s.temp.insert(e.new_name.name);
        move_key(s.views, c.key(), to);
        move_key(s.foreign, c.key(), to);
        move_key(s.children, c.key(), to);
      }
    }
  }

  // Drops: what the unit created and dropped is its own no longer (a name it frees may be a
  // protected table's). A drop in a routine body counts at once: the routine may run any time.
  if (is_drop(e.action) && e.member.empty() && !e.object.empty()) {
    for (const Candidate& c : candidates(e.object, e.kind, policy)) {
      if (!c.own) continue;
      State& s = state_to_change();
      if (e.kind == sql::ObjectKind::schema || e.kind == sql::ObjectKind::database) {
        s.created.erase("." + e.object.name);
        std::erase_if(s.created, [&](const std::string& key) { return key.rfind(e.object.name + ".", 0) == 0; });
        continue;
      }
      s.created.erase(c.key());
      if (c.name.schema == "pg_temp") {
        s.temp.erase(c.name.name);
        s.commit_drop.erase(c.name.name);
      }
      s.views.erase(c.key());
      s.foreign.erase(c.key());
    }
  }

  // Creations: the unit's own once they surely happened.
  if (e.creates && !e.object.empty() && now && !pending) {
    if (e.on_commit_drop && !m_transaction.open) return;  // gone at the end of its own statement
    const auto key = creation_key(e, policy);
    if (!key) return;
    State& s = state_to_change();
    s.created.insert(*key);
    if (key->rfind("pg_temp.", 0) == 0) {
      s.temp.insert(e.object.name);
      if (e.on_commit_drop) s.commit_drop.insert(e.object.name);
    }
  }
}

std::optional<std::string> UnitState::creation_key(const sql::Effect& e, const Policy& policy) const {
  if (e.object.empty()) return std::nullopt;
  if (e.kind == sql::ObjectKind::schema || e.kind == sql::ObjectKind::database) return "." + e.object.name;
  if (e.temporary || is_temp_schema(e.object.schema)) return "pg_temp." + e.object.name;
  if (!e.object.schema.empty()) return e.object.schema + "." + e.object.name;
  // PostgreSQL creates it in the first schema of the path (pg_temp and pg_catalog aside).
  if (const auto path = search_path(policy)) {
    for (const auto& schema : *path) {
      if (schema == "pg_temp" || schema == "pg_catalog" || schema.empty()) continue;
      return user_schema(schema) + "." + e.object.name;
    }
  }
  return std::nullopt;  // where it went cannot be known
}

}  // namespace pgwarden::policy
