#include "proxy/judge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "proxy/metrics.hpp"

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
  std::string error;                          // the definition could not be read
};

constexpr int k_max_routine_depth = 3;
constexpr std::size_t k_max_routine_keys = 64;

// The bodies the statements run, from the catalog; `missing` gets what must be looked up first.
void gather_bodies(const JudgeContext& context, const ConnectionInfo& connection,
                   std::span<const sql::Statement> statements, int depth,
                   std::set<std::string>& seen, std::vector<Body>& bodies,
                   std::vector<RoutineKey>& missing) {
  std::vector<RoutineKey> keys;
  for (const auto& st : statements) {
    for (const auto& f : st.analysis->called_functions)
      keys.push_back({RoutineKey::Kind::function, f});
    for (const auto& e : st.effects()) {
      if (e.mutation != sql::Mutation::none && e.kind == sql::ObjectKind::table &&
          !e.object.empty()) {
        keys.push_back({RoutineKey::Kind::triggers, e.object.display()});
      }
    }
  }
  for (auto& key : keys) {
    if (seen.size() >= k_max_routine_keys || !seen.insert(key.text()).second) continue;
    const auto routines = context.catalog->find(connection.database, key);
    if (routines && context.metrics != nullptr) context.metrics->function_lookup(LookupResult::hit);
    if (!routines) {
      missing.push_back(std::move(key));
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
      if (depth + 1 < k_max_routine_depth) {
        gather_bodies(context, connection, body.statements->all(), depth + 1, seen, bodies,
                      missing);
      }
      bodies.push_back(std::move(body));
    }
  }
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

Judgement judge(const JudgeContext& context, policy::Evaluator& evaluator,
                const ConnectionInfo& connection, std::string_view text,
                bool standard_conforming_strings, policy::UnitState& unit) {
  Judgement out;
  const auto started = std::chrono::steady_clock::now();
  sql::AnalyzeOptions options;
  options.standard_conforming_strings = standard_conforming_strings;
  const sql::Statements statements = context.analyzer->analyze(text, options);

  std::vector<Body> bodies;
  if (context.catalog != nullptr) {
    std::set<std::string> seen;
    gather_bodies(context, connection, statements.all(), 0, seen, bodies, out.lookups);
    if (!out.lookups.empty()) return out;
  }

  // Judge on a copy only when the message may change the unit: most messages change nothing, and
  // then the session's own state is judged directly.
  bool may_change = false;
  for (const auto& st : statements) {
    for (const auto& e : st.effects()) may_change = may_change || e.creates || !e.new_name.empty();
  }
  policy::UnitState scratch;
  if (may_change) scratch = unit;
  policy::UnitState& state = may_change ? scratch : unit;

  std::vector<std::shared_ptr<const policy::Verdict>> verdicts;
  verdicts.reserve(statements.size());
  const sql::Statement* refused_at = nullptr;
  const policy::Verdict* refused_verdict = nullptr;
  for (const auto& st : statements) {
    bool cached = false;
    auto verdict = evaluator.evaluate(st, state, &cached);
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
    verdicts.push_back(std::move(verdict));
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

  // The routines it runs: a refused body refuses the statement that runs it.
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
        f.message = "pgwarden could not read its definition (" + body.error + ")";
        f.detail =
            "The proxy judges the bodies of the functions a statement calls and of the triggers it "
            "fires; "
            "a body it cannot read cannot be judged.";
        f.hint = "Check the proxy's lookup connection (`lookup` in the proxy config).";
        refusing = std::move(f);
      }
      for (const auto& st :
           body.statements ? body.statements->all() : std::span<const sql::Statement>()) {
        if (refusing) break;
        const auto verdict = evaluator.evaluate(st, scratch_unit);
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
      if (context.metrics != nullptr)
        context.metrics->refusal(static_cast<std::size_t>(refusing->action));
      policy::Verdict v;
      v.decision = refusing->decision;
      v.findings.push_back(*refusing);
      write_record(context, connection, statements[0], v, true);
      out.refused = true;
      out.refusal.message =
          fmt::format("pgwarden: {}: {}", sql::to_string(refusing->action), refusing->message);
      out.refusal.detail = refusing->detail;
      out.refusal.hint = refusing->hint;
      out.refusal.position = character_position(text, statements[0].location.offset);
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
    out.refusal.position = character_position(text, at);
    return out;
  }
  if (context.catalog != nullptr) {
    // A routine or trigger changed through the proxy: what the catalog knows of this database is
    // out of date.
    for (const auto& st : statements) {
      for (const auto& e : st.effects()) {
        if (e.via == sql::Via::direct &&
            (e.kind == sql::ObjectKind::function || e.kind == sql::ObjectKind::procedure ||
             e.kind == sql::ObjectKind::trigger)) {
          context.catalog->invalidate(connection.database);
        }
      }
    }
  }
  if (may_change) {
    out.unit_before = std::make_shared<const policy::UnitState>(std::move(unit));
    unit = std::move(scratch);
  }
  return out;
}

}  // namespace pgwarden::proxy
