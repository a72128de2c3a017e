#include "proxy/judge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "common/encoding.hpp"
#include "proxy/metrics.hpp"
#include "sql/known_functions.hpp"

namespace pgwarden::proxy {
namespace {

const policy::Finding* deciding_finding(const policy::Verdict& verdict) {
  const policy::Finding* best = nullptr;
  for (const auto& f : verdict.findings) {
    if (best == nullptr || f.decision > best->decision) best = &f;
  }
  return best;
}

std::string object_text(const policy::Finding& f) {
  return f.object.empty() ? std::string() : f.object.display();
}

void write_record(const JudgeContext& context, const ConnectionInfo& connection,
                  const sql::Statement& statement, const policy::Verdict& verdict, bool refused) {
  if (context.record == nullptr) return;
  const policy::Finding* f = deciding_finding(verdict);
  audit::Record r = connection_record(connection);
  r.statement = statement.text;
  r.decision = std::string(policy::to_string(verdict.decision));
  r.refused = refused;
  if (f != nullptr) {
    r.action = std::string(sql::to_string(f->action));
    r.object = object_text(*f);
    r.rule = f->rule;
  }
  context.record->write(std::move(r));
}

// A routine body the message runs, and how it is reached.
struct Body {
  std::string reached;  // "calls purge_users()", "fires the triggers of users"
  std::optional<sql::Statements> statements;  // shared with the analyzer's cache; none on an error
  std::string error;                          // the definition could not be read, or was not
  bool limit = false;                         // not read: past k_max_routine_depth or _keys
};

// How deep calls are followed, and how many routines one message may reach: past either, the
// message is refused (a body not read is a body not judged).
constexpr int k_max_routine_depth = 8;
constexpr std::size_t k_max_routine_keys = 64;

char trigger_event(sql::Mutation m) {
  switch (m) {
    case sql::Mutation::insert: return 'i';
    case sql::Mutation::update: return 'u';
    case sql::Mutation::delete_rows: return 'd';
    case sql::Mutation::truncate: return 't';
    case sql::Mutation::none: break;
  }
  return 0;
}

// pg_rewrite.ev_type of the rules that fire on a row change.
char rule_event(sql::Mutation m) {
  switch (m) {
    case sql::Mutation::update: return '2';
    case sql::Mutation::insert: return '3';
    case sql::Mutation::delete_rows: return '4';
    default: return 0;
  }
}

// Where the routines statements run are found: the functions they call, and the triggers and
// rules of the relations they change.
struct Keys {
  std::vector<RoutineKey> routines;
  std::vector<policy::Write> rules;
};

// A call by an unqualified name PostgreSQL's own catalog has is PostgreSQL's function (nothing to
// read), unless the database has a function of that name too, or the session's search path puts
// another schema before pg_catalog.
bool builtin_call(const std::string& name, const RelationSnapshot* relations, bool pg_catalog_first) {
  if (name.find('.') != std::string::npos || !pg_catalog_first || !sql::is_builtin_function(name)) return false;
  return relations == nullptr || !relations->has_user_function(name);
}

// An UPDATE through a partitioned table may move a row to another partition: PostgreSQL
// deletes it from one and inserts it into the other, and their DELETE and INSERT triggers fire.
void moved_rows(const sql::ObjectName& relation, const RelationSnapshot& relations, Keys& keys, int depth = 0) {
  const policy::CatalogRelation* live = relations.find(relation);
  if (live == nullptr || live->kind != 'p' || depth > 8) return;
  for (const auto& partition : live->children) {
    keys.routines.push_back({RoutineKey::Kind::triggers, partition.display(), trigger_event(sql::Mutation::insert)});
    keys.routines.push_back({RoutineKey::Kind::triggers, partition.display(), trigger_event(sql::Mutation::delete_rows)});
    moved_rows(partition, relations, keys, depth + 1);
  }
}

// The functions that run for a relation a statement names, though it names none of them: what
// reading it runs (a view's definition, row-level security), and for a row change what writing
// it runs (defaults, constraints, indexes, domains: INSERT and UPDATE; trigger conditions: any).
void implicit_calls(const sql::ObjectName& relation, sql::Mutation mutation, const RelationSnapshot& relations,
                    Keys& keys) {
  using Calls = RelationSnapshot::Calls;
  const auto add = [&](Calls when) {
    for (const auto& f : relations.implicit_calls(relation, when)) keys.routines.push_back({RoutineKey::Kind::function, f});
  };
  add(Calls::read);
  if (mutation == sql::Mutation::none) return;
  add(Calls::change);
  if (mutation == sql::Mutation::insert || mutation == sql::Mutation::update) add(Calls::write);
}

bool names_a_relation(sql::ObjectKind kind) {
  return kind == sql::ObjectKind::table || kind == sql::ObjectKind::view ||
         kind == sql::ObjectKind::materialized_view || kind == sql::ObjectKind::foreign_table;
}

// `definitions`: the statements are definitions the lookup read (a trigger's definition binds
// its function to a table that exists; only the triggers their bodies create are new).
Keys keys_of(std::span<const sql::Statement> statements, const std::vector<policy::Write>& writes,
             const RelationSnapshot* relations, bool pg_catalog_first, const std::vector<std::string>& schemas,
             bool definitions) {
  Keys keys;
  for (const auto& st : statements) {
    for (const auto& f : st.analysis->called_functions) {
      if (!builtin_call(f, relations, pg_catalog_first)) keys.routines.push_back({RoutineKey::Kind::function, f});
    }
    // A trigger binds its function to writes the proxy may never judge (on the session's temp
    // tables, which the lookup cannot see; from connections around the proxy): the function is
    // judged when the trigger is created, as if called.
    for (const auto& e : st.effects()) {
      if (e.fact == sql::UnitFact::trigger && e.kind == sql::ObjectKind::trigger && !e.values.empty() &&
          !(definitions && e.via == sql::Via::direct) && !builtin_call(e.values.front(), relations, pg_catalog_first)) {
        keys.routines.push_back({RoutineKey::Kind::function, e.values.front()});
      }
    }
    if (relations == nullptr) continue;
    // Calls no call syntax shows: an operator's function, a domain's CHECK or a cast, `s.f` for f(s).
    for (const auto& op : st.analysis->operators) {
      if (const auto* functions = relations->operator_functions(op)) {
        for (const auto& f : *functions) keys.routines.push_back({RoutineKey::Kind::function, f});
      }
    }
    for (const auto& type : st.analysis->type_names) {
      if (const auto* functions = relations->type_functions(type)) {
        for (const auto& f : *functions) keys.routines.push_back({RoutineKey::Kind::function, f});
      }
    }
    for (const auto& field : st.analysis->field_names) {
      if (relations->has_user_function(field)) keys.routines.push_back({RoutineKey::Kind::function, field});
    }
    // What reading the relations it names runs, in each schema the name may stand for.
    if (!relations->has_read_calls()) continue;
    const auto reads = [&](const sql::ObjectName& name) {
      for (const auto& schema : name.schema.empty() ? schemas : std::vector<std::string>{name.schema}) {
        implicit_calls(sql::ObjectName{schema, name.name}, sql::Mutation::none, *relations, keys);
      }
    };
    for (const auto& name : st.analysis->relations_read) reads(name);
    for (const auto& e : st.effects()) {
      if (!e.object.empty() && names_a_relation(e.kind)) reads(e.object);
    }
  }
  for (const auto& w : writes) {
    if (w.relation.schema == "pg_temp") continue;  // the lookup cannot see this session's temp tables
    keys.routines.push_back({RoutineKey::Kind::triggers, w.relation.display(), trigger_event(w.mutation)});
    keys.rules.push_back(w);
    if (relations == nullptr) continue;
    if (w.mutation == sql::Mutation::update) moved_rows(w.relation, *relations, keys);
    implicit_calls(w.relation, w.mutation, *relations, keys);
  }
  if (writes.empty()) {
    // A routine body's row changes: by the names it writes, in each schema of the path.
    for (const auto& st : statements) {
      for (const auto& e : st.effects()) {
        if (e.mutation == sql::Mutation::none || e.object.empty()) continue;
        for (const auto& schema : e.object.schema.empty() ? schemas : std::vector<std::string>{e.object.schema}) {
          const sql::ObjectName name{schema, e.object.name};
          keys.routines.push_back({RoutineKey::Kind::triggers, name.display(), trigger_event(e.mutation)});
          if (relations != nullptr) implicit_calls(name, e.mutation, *relations, keys);
        }
      }
    }
  }
  return keys;
}

// The bodies the statements run, from the catalogs; `missing` gets what must be looked up first.
void gather_bodies(const JudgeContext& context, const ConnectionInfo& connection, const Keys& keys,
                   const RelationSnapshot* relations, bool pg_catalog_first, const std::vector<std::string>& schemas,
                   int depth, std::set<std::string>& seen, std::vector<Body>& bodies,
                   std::vector<RoutineKey>& missing) {
  for (const auto& w : keys.rules) {
    if (relations == nullptr) break;
    for (const auto& definition : relations->rules(w.relation, rule_event(w.mutation))) {
      bodies.push_back({fmt::format("runs the rules of {}", w.relation.display()), context.analyzer->analyze(definition), {}});
    }
  }
  for (const auto& key : keys.routines) {
    if (seen.count(key.text()) != 0) continue;  // read already (a recursive call, a shared helper)
    if (seen.size() >= k_max_routine_keys) {
      bodies.push_back({fmt::format("calls {}()", key.name), std::nullopt,
                        fmt::format("the message reaches more than {} routines", k_max_routine_keys), true});
      return;
    }
    seen.insert(key.text());
    const auto routines = context.catalog->find(connection.database, key);
    if (routines && context.metrics != nullptr) context.metrics->function_lookup(LookupResult::hit);
    if (!routines) {
      missing.push_back(key);
      continue;
    }
    const std::string reached = key.kind == RoutineKey::Kind::function
                                    ? fmt::format("calls {}()", key.name)
                                    : fmt::format("fires the triggers of {}", key.name);
    if (!routines->error.empty()) {
      // The definition could not be read: the body cannot be judged, so the call is not let
      // through.
      bodies.push_back({reached, std::nullopt, routines->error});
      continue;
    }
    for (const auto& definition : routines->definitions) {
      Body body{reached, context.analyzer->analyze(definition), {}};
      const Keys inner = keys_of(body.statements->all(), {}, relations, pg_catalog_first, schemas, true);
      if (depth + 1 < k_max_routine_depth) {
        gather_bodies(context, connection, inner, relations, pg_catalog_first, schemas, depth + 1, seen, bodies,
                      missing);
      } else if (!inner.routines.empty() || !inner.rules.empty()) {
        bodies.push_back({reached, std::nullopt,
                          fmt::format("its calls nest deeper than {} levels", k_max_routine_depth), true});
      }
      bodies.push_back(std::move(body));
    }
  }
}

// Statements whose verdict what the database holds can change: they name a relation, or call a
// function by a name PostgreSQL's catalog has (which a user function may shadow).
bool names_relations(std::span<const sql::Statement> statements) {
  for (const auto& st : statements) {
    for (const auto& f : st.analysis->called_functions) {
      if (sql::is_builtin_function(f)) return true;
    }
    // An operator or a field may be a user function's, a relation read a view that calls one.
    if (!st.analysis->operators.empty() || !st.analysis->field_names.empty() ||
        !st.analysis->relations_read.empty() || !st.analysis->type_names.empty()) {
      return true;
    }
    for (const auto& e : st.effects()) {
      if (!e.object.empty() && e.kind != sql::ObjectKind::schema && e.kind != sql::ObjectKind::database &&
          e.kind != sql::ObjectKind::role && e.kind != sql::ObjectKind::other) {
        return true;
      }
    }
  }
  return false;
}

// What a statement changes, when it changes anything: its first effect that is neither a read nor a
// session setting, else destructive_function for a call of a function outside pg_catalog.
std::optional<sql::Action> writes_something(const sql::Statement& st) {
  for (const auto& e : st.effects()) {
    if (e.action != sql::Action::read && e.action != sql::Action::session) return e.action;
  }
  for (const auto& f : st.analysis->called_functions) {
    if (!sql::is_builtin_function(f)) return sql::Action::destructive_function;
  }
  return std::nullopt;
}

// Statements that change the database's relations: what the relation catalog says is out of
// date once they have run.
bool changes_relations(const sql::Statement& st) {
  for (const auto& e : st.effects()) {
    if (e.mutation != sql::Mutation::none || e.action == sql::Action::read || e.action == sql::Action::session) continue;
    switch (e.kind) {
      case sql::ObjectKind::table:
      case sql::ObjectKind::view:
      case sql::ObjectKind::materialized_view:
      case sql::ObjectKind::foreign_table:
      case sql::ObjectKind::schema:
      case sql::ObjectKind::rule:
      case sql::ObjectKind::extension:
      case sql::ObjectKind::server:
      case sql::ObjectKind::function:
      case sql::ObjectKind::procedure:
      case sql::ObjectKind::trigger:
      // What the snapshot holds besides relations: column identities and names (a view's
      // columns), what writing a row runs (index expressions, constraints, domains, casts and
      // operators), row-level security.
      case sql::ObjectKind::column:
      case sql::ObjectKind::index:
      case sql::ObjectKind::constraint:
      case sql::ObjectKind::type:
      case sql::ObjectKind::domain:
      case sql::ObjectKind::policy:
        return true;
      case sql::ObjectKind::other:
        // Operators and casts are created, altered and dropped as `other`; a setting, a call or
        // a grant is `other` too and changes nothing the snapshot holds.
        if (e.action == sql::Action::ddl_create || e.action == sql::Action::drop_object ||
            e.action == sql::Action::drop_cascade || e.action == sql::Action::rename) {
          return true;
        }
        break;
      default:
        break;
    }
  }
  return false;
}

}  // namespace

audit::Record connection_record(const ConnectionInfo& connection) {
  audit::Record r;
  r.door = "proxy";
  r.connection = connection.id;
  r.user = connection.user;
  r.database = connection.database;
  r.application = connection.application;
  r.client_address = connection.client_address;
  r.profile = connection.profile;
  return r;
}

std::size_t character_position(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t chars = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars + 1;
}

namespace {

// The verdict for statements of one message: `text` is the query string positions point into
// (empty: none).
Judgement verdict(const JudgeContext& context, policy::Evaluator& evaluator, const ConnectionInfo& connection,
                  sql::Statements statements, std::string_view text, const policy::UnitState& unit,
                  const std::string& encoding) {
  Judgement out;
  const auto started = std::chrono::steady_clock::now();

  // What the database's relations are, for statements that name one: without a snapshot yet,
  // read one first.
  std::shared_ptr<const RelationSnapshot> relations;
  if (context.relations != nullptr && names_relations(statements.all())) {
    const auto found = context.relations->find(connection.database);
    if (!found.snapshot) {
      out.lookups.push_back({RoutineKey::Kind::relations, ""});
      return out;
    }
    relations = found.snapshot;
    out.refresh_relations = found.refresh;
  }

  // Judged on a copy: the session's unit takes the statements once the server has run them.
  policy::UnitState state = unit;
  if (state.client_encoding() != encoding) state.set_client_encoding(encoding);
  if (relations != nullptr && !state.has_session_search_path()) {
    if (const auto* configured = relations->configured_search_path(connection.user)) {
      state.set_session_search_path(*configured);
      out.configured_search_path = *configured;
    }
  }
  if (relations != nullptr && relations->unreadable().empty()) {
    const bool exists = relations->has_schema(state.user());
    if (exists != state.user_schema_exists()) {
      state.set_user_schema_exists(exists);
      out.user_schema_exists = exists;
    }
  }
  const std::vector<std::string>* path = state.known_search_path(evaluator.policy());
  // A copy: judging may change the state's path (a SET in the same message).
  const std::vector<std::string> schemas = path != nullptr ? *path : evaluator.policy().search_path;
  const bool pg_catalog_first = path && (std::find(path->begin(), path->end(), "pg_catalog") == path->end() ||
                                         path->front() == "pg_catalog");

  std::vector<std::shared_ptr<const policy::Verdict>> verdicts;
  verdicts.reserve(statements.size());
  std::vector<policy::Write> writes;
  const sql::Statement* refused_at = nullptr;
  const policy::Verdict* refused_verdict = nullptr;
  for (const auto& st : statements) {
    bool cached = false;
    auto verdict = evaluator.evaluate(st, state, &cached, relations.get());
    if (context.metrics != nullptr) {
      if (cached) {
        context.metrics->cache_hit();
      } else {
        context.metrics->cache_miss();
      }
    }
    if (refused_at == nullptr && policy::refuses(verdict->decision)) {
      refused_at = &st;
      refused_verdict = verdict.get();
    }
    out.changes = out.changes || policy::UnitState::changes_units(st);
    out.ddl = out.ddl || changes_relations(st);
    for (const auto& w : verdict->writes) {
      if (std::find(writes.begin(), writes.end(), w) == writes.end()) writes.push_back(w);
    }
    verdicts.push_back(std::move(verdict));
  }

  const auto position = [&](std::size_t offset) { return text.empty() ? 0 : character_position(text, offset); };
  // A refusal that is not one statement's verdict: recorded, counted and answered here.
  const auto refuse = [&](const policy::Finding& finding, const sql::Statement& st) {
    if (context.metrics != nullptr) context.metrics->refusal(static_cast<std::size_t>(finding.action));
    policy::Verdict v;
    v.decision = finding.decision;
    v.findings.push_back(finding);
    write_record(context, connection, st, v, true);
    out.refused = true;
    out.refusal.message = fmt::format("pgwarden: {}: {}", sql::to_string(finding.action), finding.message);
    out.refusal.detail = finding.detail;
    out.refusal.hint = finding.hint;
    out.refusal.position = position(st.location.offset);
  };

  // The catalog could not be read: a name alone does not say what a write reaches (a view, a
  // rule, a parent, a foreign table), so nothing that writes is let through until it can.
  if (refused_at == nullptr && relations != nullptr && !relations->unreadable().empty()) {
    for (const auto& st : statements) {
      const auto action = writes_something(st);
      if (!action) continue;
      policy::Finding f;
      f.action = *action;
      f.decision = policy::Decision::deny;
      f.rule = "writes are refused while the database's catalog cannot be read";
      f.message = "pgwarden cannot read what the database's relations are (" + relations->unreadable() + ")";
      f.detail =
          "The proxy judges a write by what it reaches: views, rules, parents and foreign tables are read from "
          "the catalog. Reads go on; writes are refused until the catalog can be read again.";
      f.hint = "Check the proxy's lookup connection (`lookup` in the proxy config); it is tried again at once "
               "and at every later statement.";
      refuse(f, st);
      return out;
    }
  }

  // The routines it runs, when nothing refused it already: a refused body refuses the statement.
  std::vector<Body> bodies;
  if (refused_at == nullptr && context.catalog != nullptr) {
    std::set<std::string> seen;
    gather_bodies(context, connection, keys_of(statements.all(), writes, relations.get(), pg_catalog_first, schemas, false),
                  relations.get(), pg_catalog_first, schemas, 0, seen, bodies, out.lookups);
    if (!out.lookups.empty()) return out;
  }

  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto& v = *verdicts[i];
    if (v.decision != policy::Decision::allow)
      write_record(context, connection, statements[i], v, policy::refuses(v.decision));
  }
  if (context.metrics != nullptr) {
    for (const auto& v : verdicts) {
      context.metrics->statement_judged();
      const policy::Finding* f = deciding_finding(*v);
      if (f == nullptr) continue;
      const auto action = static_cast<std::size_t>(f->action);
      if (policy::refuses(v->decision)) {
        context.metrics->refusal(action);
      } else if (v->decision == policy::Decision::warn) {
        context.metrics->warning(action);
      }
    }
    context.metrics->observe_judge(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (refused_at == nullptr && !bodies.empty() && !statements.empty()) {
    std::optional<policy::Finding> refusing;
    std::string reached;
    policy::UnitState scratch_unit = state;  // what a body creates is not the session's
    for (const auto& body : bodies) {
      if (!body.error.empty()) {
        policy::Finding f;
        f.action = sql::Action::destructive_function;
        f.decision = policy::Decision::deny;
        f.rule = "routines whose definition cannot be read are refused";
        f.message = body.limit ? "pgwarden did not read it: " + body.error
                               : "pgwarden could not read its definition (" + body.error + ")";
        f.detail =
            "The proxy judges the bodies of the functions a statement calls and of the triggers and rules it "
            "fires; a body it cannot read cannot be judged.";
        f.hint = body.limit ? "Call the routine that does the work directly, so that every body it runs is read."
                            : "Check the proxy's lookup connection (`lookup` in the proxy config).";
        refusing = std::move(f);
      }
      for (const auto& st :
           body.statements ? body.statements->all() : std::span<const sql::Statement>()) {
        if (refusing) break;
        const auto verdict = evaluator.evaluate(st, scratch_unit, nullptr, relations.get());
        for (const auto& f : verdict->findings) {
          if (f.via != sql::Via::direct && policy::refuses(f.decision)) {
            refusing = f;
            break;
          }
        }
      }
      if (refusing) {
        reached = body.reached;
        break;
      }
    }
    if (refusing) {
      refusing->message = fmt::format("the statement {}; its body: {}", reached, refusing->message);
      refuse(*refusing, statements[0]);
      return out;
    }
  }

  if (refused_at != nullptr) {
    const policy::Finding* f = deciding_finding(*refused_verdict);
    out.refused = true;
    out.refusal.message = fmt::format("pgwarden: {}: {}", sql::to_string(f->action), f->message);
    out.refusal.detail = f->detail;
    out.refusal.hint = f->hint;
    std::size_t at = refused_at->location.offset;
    if (f->action == sql::Action::parse_error && refused_at->analysis->error_offset > 0) {
      at += std::min(refused_at->analysis->error_offset, refused_at->location.length);
    }
    out.refusal.position = position(at);
    return out;
  }
  if (out.ddl) {
    // DDL through the proxy: what the catalogs know of this database may be out of date. They
    // are read again now and once the server has run it (Session).
    if (context.catalog != nullptr) context.catalog->invalidate(connection.database);
    if (context.relations != nullptr) context.relations->invalidate(connection.database);
  }
  out.statements = std::move(statements);
  return out;
}

}  // namespace

Judgement judge(const JudgeContext& context, policy::Evaluator& evaluator, const ConnectionInfo& connection,
                std::string_view text, const Reading& reading, const policy::UnitState& unit) {
  if (!reading.standard_conforming_strings) {
    // Whether backslashes escape in this text's strings is not known yet: both readings must pass,
    // and the stricter one answers.
    Reading on = reading;
    on.standard_conforming_strings = true;
    Judgement first = judge(context, evaluator, connection, text, on, unit);
    if (first.refused || !first.lookups.empty()) return first;
    Reading off = reading;
    off.standard_conforming_strings = false;
    Judgement second = judge(context, evaluator, connection, text, off, unit);
    if (second.refused || !second.lookups.empty()) return second;
    first.changes = first.changes || second.changes;
    first.ddl = first.ddl || second.ddl;
    return first;
  }
  sql::AnalyzeOptions options;
  options.standard_conforming_strings = *reading.standard_conforming_strings;
  // Read as the server will: converted from an encoding pgwarden can convert, else as bytes the
  // engine refuses when they are not ASCII.
  std::string encoding = reading.client_encoding;
  std::optional<std::string> converted;
  if (!encoding::is_ascii(text) && encoding::classify(encoding) == encoding::Kind::ascii_safe) {
    converted = encoding::to_utf8(text, encoding);
    if (converted) encoding = "UTF8";
  }
  const std::string_view read = converted ? std::string_view(*converted) : text;
  return verdict(context, evaluator, connection, context.analyzer->analyze(read, options), read, unit, encoding);
}

Judgement judge_statements(const JudgeContext& context, policy::Evaluator& evaluator,
                           const ConnectionInfo& connection, const sql::Statements& statements,
                           const policy::UnitState& unit) {
  return verdict(context, evaluator, connection, statements, {}, unit, "UTF8");
}

}  // namespace pgwarden::proxy
