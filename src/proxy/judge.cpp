#include "proxy/judge.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

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

std::string object_text(const policy::Finding& f) { return f.object.empty() ? std::string() : f.object.display(); }

void write_record(const JudgeContext& context, const ConnectionInfo& connection, const sql::Statement& statement,
                  const policy::Verdict& verdict, bool refused) {
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

Judgement judge(const JudgeContext& context, policy::Evaluator& evaluator, const ConnectionInfo& connection,
                std::string_view text, bool standard_conforming_strings, policy::UnitState& unit) {
  Judgement out;
  const auto started = std::chrono::steady_clock::now();
  sql::AnalyzeOptions options;
  options.standard_conforming_strings = standard_conforming_strings;
  const sql::Statements statements = context.analyzer->analyze(text, options);

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
    auto verdict = evaluator.evaluate(st, state);
    if (refused_at == nullptr && policy::refuses(verdict->decision)) {
      refused_at = &st;
      refused_verdict = verdict.get();
    }
    verdicts.push_back(std::move(verdict));
  }

  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto& v = *verdicts[i];
    if (v.decision != policy::Decision::allow) write_record(context, connection, statements[i], v, policy::refuses(v.decision));
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
    context.metrics->observe_judge(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
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
  if (may_change) {
    out.unit_before = std::make_shared<const policy::UnitState>(std::move(unit));
    unit = std::move(scratch);
  }
  return out;
}

}  // namespace pgwarden::proxy
