#include "proxy/session.hpp"

#include <algorithm>

#include "common/encoding.hpp"
#include "proxy/fast_path.hpp"
#include "proxy/startup.hpp"
#include "proxy/metrics.hpp"
#include "proxy/replies.hpp"
#include "proxy/wire/frame.hpp"

namespace pgwarden::proxy {
namespace {

// Server messages are trusted for their content but not for their lengths: PostgreSQL's own
// limit for a message is 1 GB.
constexpr std::size_t k_max_server_message = std::size_t{1} << 30;

// Consumes `data` from a saved partial message plus new bytes without copying when nothing was
// saved; `keep` holds what is left for the next call.
class Input {
 public:
  Input(std::string& keep, std::string_view data) : m_keep(keep) {
    if (m_keep.empty()) {
      m_view = data;
    } else {
      m_keep.append(data);
      m_view = m_keep;
      m_owned = true;
    }
  }
  [[nodiscard]] std::string_view rest() const { return m_view.substr(m_pos); }
  void consume(std::size_t n) { m_pos += n; }
  void finish() {
    if (m_owned) {
      m_keep.erase(0, m_pos);
    } else {
      m_keep.assign(m_view.substr(m_pos));
    }
  }

 private:
  std::string& m_keep;
  std::string_view m_view;
  std::size_t m_pos = 0;
  bool m_owned = false;
};

bool fatal_severity(std::string_view body) {
  const auto fields = wire::decode_fields(body);
  if (!fields) return false;
  for (const auto& f : *fields) {
    if (f.code == 'V' || f.code == 'S') return f.value == "FATAL" || f.value == "PANIC";
  }
  return false;
}

}  // namespace

Session::Session(JudgeContext context, Admit admit, ConnectionInfo info, SessionLimits limits,
                 bool client_tls_available)
    : m_context(context),
      m_admit(std::move(admit)),
      m_info(std::move(info)),
      m_limits(limits),
      m_client_tls_available(client_tls_available) {}

// ---- client to server ----------------------------------------------------------------------

void Session::on_client_data(std::string_view data, Output& out) {
  if (m_phase == Phase::closed) return;
  if (m_phase == Phase::startup) {
    m_client_in.append(data);
    client_startup(out);
    return;
  }
  if (m_blocked) {
    m_client_in.append(data);
    return;
  }
  Input in(m_client_in, data);
  while (m_phase != Phase::closed) {
    if (m_client_stream > 0) {  // the rest of a CopyData body
      const std::size_t n = std::min<std::uint64_t>(m_client_stream, in.rest().size());
      if (n == 0) break;
      if (!m_client_stream_drop) out.to_server.append(in.rest().substr(0, n));
      in.consume(n);
      m_client_stream -= n;
      continue;
    }
    const std::string_view rest = in.rest();
    const wire::Frame h = wire::peek_header(rest, m_limits.max_message_bytes);
    if (h.status == wire::FrameStatus::invalid) {
      fatal(protocol_violation, "a message length is invalid or over the limit", out);
      return;
    }
    if (h.status == wire::FrameStatus::need_more) break;
    if (h.type == 'd') {  // CopyData: passed through (or dropped) as it arrives, never buffered whole
      m_client_stream_drop = m_discarding;
      if (!m_client_stream_drop) out.to_server.append(rest.substr(0, wire::k_typed_header));
      in.consume(wire::k_typed_header);
      m_client_stream = h.length - 4;
      continue;
    }
    if (rest.size() < h.size) break;
    const Step step = client_message(h.type, rest.substr(wire::k_typed_header, h.length - 4), out);
    if (step == Step::closed) return;
    if (step == Step::blocked) {
      m_blocked = true;  // this message and what follows wait for the lookups
      break;
    }
    in.consume(h.size);
  }
  in.finish();
}

void Session::resume(Output& out) {
  m_blocked = false;
  on_client_data({}, out);
}

void Session::client_startup(Output& out) {
  while (m_phase == Phase::startup && !m_awaiting_tls) {
    if (!m_client_in.empty() && static_cast<unsigned char>(m_client_in[0]) == 0x16) {
      // A TLS ClientHello without SSLRequest: PostgreSQL 17's direct TLS, which PostgreSQL 15 and
      // pgwarden do not offer. The client understands no protocol error here; close.
      m_phase = Phase::closed;
      out.close = true;
      return;
    }
    const wire::Frame f = wire::next_startup_frame(m_client_in, m_limits.max_startup_bytes);
    if (f.status == wire::FrameStatus::invalid) {
      fatal(protocol_violation, "invalid length of the startup packet", out);
      return;
    }
    if (f.status == wire::FrameStatus::need_more) return;
    const auto packet = wire::decode_startup(f.body);
    if (!packet) {
      fatal(protocol_violation, "malformed startup packet", out);
      return;
    }
    const std::string raw = m_client_in.substr(0, f.size);
    const bool more = m_client_in.size() > f.size;
    m_client_in.erase(0, f.size);
    switch (packet->code) {
      case wire::k_ssl_request:
        if (more) {
          // Bytes sent after SSLRequest but before the handshake would be read as if they had come
          // through TLS (CVE-2021-23214, CVE-2021-3935).
          fatal(protocol_violation, "data received before the TLS handshake", out);
          return;
        }
        if (m_client_tls_available) {
          out.to_client.push_back(k_tls_yes);
          out.start_client_tls = true;
          m_awaiting_tls = true;
          return;
        }
        out.to_client.push_back(k_tls_no);
        continue;
      case wire::k_gssenc_request:
        out.to_client.push_back(k_tls_no);  // no GSSAPI encryption; the client falls back
        continue;
      case wire::k_cancel_request:
        out.cancel_request = raw;  // forwarded verbatim on a new server connection
        out.close = true;
        m_phase = Phase::closed;
        return;
      default:
        break;
    }
    if ((packet->code >> 16) != wire::k_protocol_major_3) {
      fatal(protocol_violation, "unsupported frontend protocol", out);
      return;
    }
    // PostgreSQL takes the last of a parameter given twice, pgwarden's decoder the first: one
    // packet would name one database to the judge and another to the server.
    for (std::size_t i = 0; i < packet->parameters.size(); ++i) {
      for (std::size_t j = i + 1; j < packet->parameters.size(); ++j) {
        if (packet->parameters[i].first == packet->parameters[j].first) {
          fatal(protocol_violation, "startup parameter \"" + packet->parameters[i].first + "\" is given twice", out);
          return;
        }
      }
    }
    m_info.user = packet->parameter("user");
    m_unit.set_user(m_info.user);  // "$user" in the search path
    m_info.database = packet->parameter("database");
    if (m_info.database.empty()) m_info.database = m_info.user;
    m_info.application = packet->parameter("application_name");
    m_replication = replication_requested(packet->parameter("replication"));
    if (m_info.user.empty()) {
      fatal(protocol_violation, "no PostgreSQL user name specified in startup packet", out);
      return;
    }
    Admission admission = m_admit(m_info, m_replication);
    if (!admission.allowed) {
      fatal(connection_refused, admission.why, out);
      return;
    }
    m_evaluator = std::move(admission.evaluator);
    m_info.profile = std::move(admission.profile);
    m_superuser_allowed = admission.superuser;
    if (!judge_startup_settings(*packet, out)) return;
    // The startup packet goes to the server unchanged: a newer minor version is answered by the
    // server's NegotiateProtocolVersion, which is relayed unchanged too.
    out.to_server.append(raw);
    out.connect_upstream = true;
    m_phase = Phase::authenticating;
    m_expected.push_back(Pending{Expect::startup, {}, std::chrono::steady_clock::now()});
    if (!m_client_in.empty()) {
      std::string rest;
      rest.swap(m_client_in);
      on_client_data(rest, out);
    }
    return;
  }
}

void Session::fatal(void (*reply)(std::string&, std::string_view), std::string_view why, Output& out) {
  if (m_phase == Phase::startup && reply == protocol_violation && m_context.metrics != nullptr) {
    m_context.metrics->refused_connection(RefusedReason::protocol);
  }
  reply(out.to_client, why);
  out.close = true;
  m_phase = Phase::closed;
}

void Session::pass(char type, std::string_view body, Output& out) { wire::encode_message(out.to_server, type, body); }

void Session::forward(char type, std::string_view body, Expect expect, Output& out) {
  pass(type, body, out);
  m_expected.push_back(Pending{expect, {}, std::chrono::steady_clock::now()});
  if (expect == Expect::query || expect == Expect::sync) close_segment();
}

void Session::close_segment() {
  m_in_flight.push_back(std::move(m_open));
  m_open = Segment{};
}

policy::UnitState Session::judging_state() const {
  policy::UnitState state = m_unit;
  const policy::Policy& policy = m_evaluator->policy();
  // A segment in flight may still fail: what it creates does not count yet, what it renames does.
  for (const auto& segment : m_in_flight) {
    for (const auto* list : {&segment.changes, &segment.uncertain}) {
      for (const auto& statements : *list) {
        for (const auto& st : statements) state.record(st, policy, policy::UnitState::Outcome::pending);
      }
    }
  }
  for (const auto& statements : m_open.uncertain) {
    for (const auto& st : statements) state.record(st, policy, policy::UnitState::Outcome::pending);
  }
  // What the open segment ran comes before anything later in it: if it fails, the server skips
  // the rest of the segment.
  for (const auto& statements : m_open.changes) {
    for (const auto& st : statements) {
      state.record(st, policy, m_open.failed ? policy::UnitState::Outcome::pending : policy::UnitState::Outcome::confirmed);
    }
  }
  return state;
}

bool Session::bears_on(const policy::UnitState& state, const sql::Statements& statements) const {
  for (const auto& st : statements) {
    if (state.bears_on(st, m_evaluator->policy())) return true;
  }
  return false;
}

Reading Session::reading(const policy::UnitState& state) const {
  // standard_conforming_strings as the server last said, unless a change of it is in flight.
  const auto strings = state.standard_strings();
  return Reading{strings ? std::optional<bool>(m_standard_strings) : std::nullopt, state.client_encoding()};
}

bool Session::judge_startup_settings(const wire::StartupPacket& packet, Output& out) {
  const policy::Policy& policy = m_evaluator->policy();
  for (const auto& setting : startup_settings(packet)) {
    const std::string text = "SELECT pg_catalog.set_config(" + sql::quote_literal(setting.name) + ", " +
                             sql::quote_literal(setting.value) + ", false)";
    policy::UnitState scratch = m_unit;
    const Judgement j = judge(m_context, *m_evaluator, m_info, text, Reading{}, scratch);
    absorb(j, out);
    if (j.refused) {
      fatal(connection_refused,
            "the " + setting.where + " " + setting.name + "=" + setting.value + " is refused: " + j.refusal.message +
                (j.refusal.detail.empty() ? "" : " " + j.refusal.detail),
            out);
      return false;
    }
    if (setting.name == "search_path" && j.statements) {
      // The session's search path before any statement: what RESET and DISCARD ALL go back to.
      for (const auto& st : *j.statements) scratch.record(st, policy);
      if (auto path = scratch.search_path(policy)) m_unit.set_session_search_path(*path);
    }
  }
  return true;
}

void Session::absorb(const Judgement& j, Output& out) {
  out.refresh_relations = out.refresh_relations || j.refresh_relations;
  // The search path ALTER DATABASE / ROLE set, as this session started with it: a later change
  // reaches only later connections.
  if (j.configured_search_path && !m_unit.has_session_search_path()) {
    m_unit.set_session_search_path(*j.configured_search_path);
  }
  if (j.user_schema_exists) m_unit.set_user_schema_exists(*j.user_schema_exists);
}

// A judgement that waits for a lookup, or refuses, ends the message's handling here.
std::optional<Session::Step> Session::stops(Judgement& j, bool ends_with_sync, Output& out) {
  if (!j.lookups.empty()) {
    out.lookups = std::move(j.lookups);
    return Step::blocked;
  }
  if (j.refused) {
    refuse(j.refusal, ends_with_sync, out);
    return Step::next;
  }
  return std::nullopt;
}

void Session::refuse(const RefusalText& text, bool ends_with_sync, Output& out) {
  std::string error;
  policy_refusal(error, text);
  wire::encode_bind(out.to_server, "", "__pgwarden_refused_" + std::to_string(++m_poisons));
  if (ends_with_sync) {
    wire::encode_sync(out.to_server);
  } else {
    m_discarding = true;  // PostgreSQL drops what follows an error until Sync; so does the proxy
  }
  m_expected.push_back(Pending{ends_with_sync ? Expect::poison_sync : Expect::poison, std::move(error),
                               std::chrono::steady_clock::now()});
  // The poison fails the segment it is in: the server rolls back what it ran.
  m_open.failed = true;
  if (ends_with_sync) close_segment();
}

Session::Step Session::client_message(char type, std::string_view body, Output& out) {
  if (m_discarding && type != 'S' && type != 'X') return Step::next;
  const auto malformed = [&](std::string_view what) {
    fatal(protocol_violation, what, out);
    return Step::closed;
  };
  if (m_phase == Phase::authenticating && type == 'p') {  // password / SASL: relayed unchanged
    pass(type, body, out);
    return Step::next;
  }
  switch (type) {
    case 'Q': {
      const auto text = wire::decode_query(body);
      if (!text) return malformed("malformed Query message");
      const policy::UnitState state = judging_state();
      Judgement j = judge(m_context, *m_evaluator, m_info, *text, reading(state), state);
      absorb(j, out);
      if (!j.lookups.empty()) {
        out.lookups = std::move(j.lookups);
        return Step::blocked;
      }
      if (j.refused) {
        if (m_phase == Phase::ready && m_expected.empty() && m_status == 'I') {
          // Nothing in flight and no transaction: what the server would answer, without asking it.
          policy_refusal(out.to_client, j.refusal);
          wire::encode_ready_for_query(out.to_client, 'I');
        } else {
          refuse(j.refusal, true, out);
        }
        return Step::next;
      }
      m_open.ddl = m_open.ddl || j.ddl;
      if (j.changes) m_open.changes.push_back(std::move(*j.statements));
      forward(type, body, Expect::query, out);
      return Step::next;
    }
    case 'P': {
      const auto parse = wire::decode_parse(body);
      if (!parse) return malformed("malformed Parse message");
      const policy::UnitState state = judging_state();
      Judgement j = judge(m_context, *m_evaluator, m_info, parse->query, reading(state), state);
      absorb(j, out);
      if (!j.lookups.empty()) {
        out.lookups = std::move(j.lookups);
        return Step::blocked;
      }
      const std::string name(parse->statement);
      if (j.refused) {
        // The server keeps its old unnamed statement when this Parse never reaches it; a later
        // Bind("") must not run that one instead.
        if (name.empty()) {
          m_unnamed_refused = true;
          m_unnamed_refusal = j.refusal;
          m_prepared.erase(name);
        } else {
          m_refused_statements[name] = j.refusal;
        }
        refuse(j.refusal, false, out);
        return Step::next;
      }
      if (name.empty()) {
        m_unnamed_refused = false;
        m_prepared.erase(name);  // the server replaces the unnamed statement, even if this fails
      } else {
        m_refused_statements.erase(name);
      }
      const bool bore = j.statements && bears_on(state, *j.statements);
      m_prepared[name].alternatives.push_back(Alternative{std::move(j.statements), j.changes, bore, j.ddl, false});
      forward(type, body, Expect::parse, out);
      m_expected.back().statement = name;
      return Step::next;
    }
    case 'B': {
      const auto bind = wire::decode_bind(body);
      if (!bind) return malformed("malformed Bind message");
      if (bind->statement.empty() && m_unnamed_refused) {
        refuse(m_unnamed_refusal, false, out);
        return Step::next;
      }
      if (!bind->statement.empty()) {
        const auto it = m_refused_statements.find(std::string(bind->statement));
        if (it != m_refused_statements.end()) {
          const RefusalText text = it->second;
          refuse(text, false, out);
          return Step::next;
        }
      }
      const std::string name(bind->statement);
      const auto prepared = m_prepared.find(name);
      if (prepared != m_prepared.end() && !prepared->second.alternatives.empty()) {
        // Judged in another state than this one: PostgreSQL resolves the statement's names again
        // (a changed search path, a temp table dropped), so pgwarden judges it again.
        const policy::UnitState state = judging_state();
        for (const Alternative& alternative : prepared->second.alternatives) {
          if (!alternative.statements) continue;
          if (!alternative.unit_bore && !bears_on(state, *alternative.statements)) continue;
          Judgement j = judge_statements(m_context, *m_evaluator, m_info, *alternative.statements, state);
          absorb(j, out);
          if (const auto stop = stops(j, false, out)) return *stop;
        }
      } else if (!name.empty()) {
        // Not Parsed through the proxy: a statement SQL PREPARE made (the same namespace) is judged
        // as its EXECUTE; a name pgwarden never saw made is refused rather than run unjudged.
        const policy::UnitState state = judging_state();
        if (state.prepared(name) == nullptr) {
          RefusalText unknown;
          unknown.message = "pgwarden: parse_error: prepared statement \"" + name + "\" was not prepared through pgwarden";
          unknown.detail = "pgwarden judges a prepared statement when it is prepared; it cannot judge one it never saw.";
          unknown.hint = "Prepare the statement on this connection, through pgwarden.";
          refuse(unknown, false, out);
          return Step::next;
        }
        Judgement j = judge(m_context, *m_evaluator, m_info, "EXECUTE " + sql::quote_identifier(name), reading(state), state);
        absorb(j, out);
        if (const auto stop = stops(j, false, out)) return *stop;
      }
      m_portals[std::string(bind->portal)] = name;
      forward(type, body, Expect::bind, out);
      return Step::next;
    }
    case 'D': {
      const auto target = wire::decode_target(body);
      if (!target) return malformed("malformed Describe message");
      if (target->kind == 'S' && target->name.empty() && m_unnamed_refused) {
        refuse(m_unnamed_refusal, false, out);
        return Step::next;
      }
      forward(type, body, Expect::describe, out);
      return Step::next;
    }
    case 'E': {
      const auto execute = wire::decode_execute(body);
      if (!execute) return malformed("malformed Execute message");
      {
        const auto bound = m_portals.find(std::string(execute->portal));
        if (bound != m_portals.end()) {
          const auto prepared = m_prepared.find(bound->second);
          if (prepared != m_prepared.end()) {
            const auto& alternatives = prepared->second.alternatives;
            for (const Alternative& a : alternatives) {
              if (a.changes && a.statements) {
                (alternatives.size() == 1 ? m_open.changes : m_open.uncertain).push_back(*a.statements);
              }
              m_open.ddl = m_open.ddl || a.ddl;
            }
          }
        }
      }
      forward(type, body, Expect::execute, out);
      return Step::next;
    }
    case 'C': {
      const auto target = wire::decode_target(body);
      if (!target) return malformed("malformed Close message");
      if (target->kind == 'S') {
        if (target->name.empty()) {
          m_unnamed_refused = false;
        } else {
          m_refused_statements.erase(std::string(target->name));
        }
        m_prepared.erase(std::string(target->name));
      } else {
        m_portals.erase(std::string(target->name));
      }
      forward(type, body, Expect::close, out);
      return Step::next;
    }
    case 'S':
      m_discarding = false;
      forward(type, body, Expect::sync, out);
      return Step::next;
    case 'F': {
      const auto call = wire::decode_function_call(body);
      if (!call) return malformed("malformed FunctionCall message");
      Judgement j = judge_fast_path(m_context, *m_evaluator, m_info, call->oid, judging_state());
      absorb(j, out);
      if (const auto stop = stops(j, true, out)) return *stop;
      forward(type, body, Expect::query, out);
      return Step::next;
    }
    case 'H':  // Flush: the server sends what it has; no response of its own
    case 'c':  // CopyDone
    case 'f':  // CopyFail
      pass(type, body, out);
      return Step::next;
    case 'X':
      pass(type, body, out);
      out.close = true;
      m_phase = Phase::closed;
      return Step::closed;
    default:
      return malformed(std::string("unknown message type ") + (type >= 0x20 && type < 0x7f ? std::string(1, type) : "?"));
  }
}

// ---- server to client ----------------------------------------------------------------------

void Session::on_server_data(std::string_view data, Output& out) {
  if (m_phase == Phase::closed) return;
  Input in(m_server_in, data);
  for (;;) {
    if (m_server_stream > 0) {
      const std::size_t n = std::min<std::uint64_t>(m_server_stream, in.rest().size());
      if (n == 0) break;
      if (!m_server_stream_drop) out.to_client.append(in.rest().substr(0, n));
      in.consume(n);
      m_server_stream -= n;
      continue;
    }
    const std::string_view rest = in.rest();
    const wire::Frame h = wire::peek_header(rest, k_max_server_message);
    if (h.status == wire::FrameStatus::invalid) {
      on_server_lost("the server sent an invalid message", out);
      return;
    }
    if (h.status == wire::FrameStatus::need_more) break;
    switch (h.type) {
      case 'Z': case 'E': case 'R': case 'S':  // small messages the session reads whole
        if (rest.size() < h.size) {
          in.finish();
          return;
        }
        in.consume(h.size);
        server_message(h.type, rest.substr(wire::k_typed_header, h.length - 4), out);
        if (m_phase == Phase::closed) return;
        continue;
      default:
        server_completion(h.type);
        out.to_client.append(rest.substr(0, wire::k_typed_header));
        in.consume(wire::k_typed_header);
        m_server_stream = h.length - 4;
        m_server_stream_drop = false;
        continue;
    }
  }
  in.finish();
}

void Session::server_completion(char type) {
  if (m_expected.empty()) return;
  const Expect head = m_expected.front().kind;
  bool done = false;
  switch (head) {
    case Expect::parse:
      done = type == '1';
      if (done) {
        // The server holds the statement now: its first unanswered Parse of that name.
        const auto prepared = m_prepared.find(m_expected.front().statement);
        if (prepared != m_prepared.end()) {
          for (Alternative& a : prepared->second.alternatives) {
            if (!a.confirmed) {
              a.confirmed = true;
              break;
            }
          }
        }
      }
      break;
    case Expect::bind: done = type == '2'; break;
    case Expect::close: done = type == '3'; break;
    case Expect::describe: done = type == 'T' || type == 'n'; break;
    case Expect::execute: done = type == 'C' || type == 'I' || type == 's'; break;
    default: break;
  }
  if (done) m_expected.pop_front();
}

void Session::server_message(char type, std::string_view body, Output& out) {
  const auto relay = [&] { wire::encode_message(out.to_client, type, body); };
  switch (type) {
    case 'Z':
      server_ready(body.empty() ? 'I' : body[0], out);
      relay();
      return;
    case 'E':
      server_error(body, out);
      return;
    case 'R':
      // Authentication requests are relayed unchanged, SCRAM's mechanism list included
      // (docs/proxy.md, "Channel binding"): removing SCRAM-SHA-256-PLUS would make a TLS client
      // send the "y" flag, which a TLS server rejects as a downgrade attack.
      relay();
      return;
    case 'S': {
      // standard_conforming_strings decides how the analyzer reads backslashes in strings,
      // client_encoding how the server reads the bytes of the client's text.
      const auto nul = body.find('\0');
      if (nul != std::string_view::npos) {
        const std::string_view name = body.substr(0, nul);
        const std::string_view value = body.substr(nul + 1, body.find('\0', nul + 1) - nul - 1);
        if (name == "standard_conforming_strings") m_standard_strings = value != "off";
        if (name == "client_encoding") m_reported_encoding = std::string(value);
        if (name == "is_superuser" && value == "on" && !m_superuser_allowed) {
          fatal(connection_refused,
                "this connection's profile \"" + m_info.profile +
                    "\" does not allow superuser sessions (superuser = false): connect as a role without superuser",
                out);
          out.to_server.clear();
          wire::encode_terminate(out.to_server);
          return;
        }
      }
      relay();
      return;
    }
    default:
      relay();
  }
}

void Session::server_error(std::string_view body, Output& out) {
  const auto relay = [&] { wire::encode_message(out.to_client, 'E', body); };
  const bool fatal = fatal_severity(body);
  if (fatal) m_server_fatal = true;
  if (m_expected.empty() || fatal) {
    relay();
    return;
  }
  Pending& head = m_expected.front();
  switch (head.kind) {
    case Expect::poison:
      out.to_client.append(head.refusal);  // the guard's 42501 where the server's error was
      m_expected.pop_front();
      return;
    case Expect::poison_sync:
      out.to_client.append(head.refusal);
      head.refusal.clear();  // said; the ReadyForQuery that follows ends the entry
      return;
    case Expect::startup:
    case Expect::query:
    case Expect::sync:
      current_segment().failed = true;
      relay();
      return;
    default: {
      // An extended message failed: the server skips everything up to the next Sync, so those
      // entries will never be answered.
      std::size_t end = 0;
      while (end < m_expected.size() && m_expected[end].kind != Expect::sync &&
             m_expected[end].kind != Expect::poison_sync) {
        ++end;
      }
      current_segment().failed = true;
      // A Parse the server skipped or failed holds nothing: forget what it would have.
      for (std::size_t i = 0; i < end; ++i) {
        if (m_expected[i].kind != Expect::parse) continue;
        const auto prepared = m_prepared.find(m_expected[i].statement);
        if (prepared == m_prepared.end()) continue;
        auto& alternatives = prepared->second.alternatives;
        const auto unanswered = std::find_if(alternatives.begin(), alternatives.end(),
                                             [](const Alternative& a) { return !a.confirmed; });
        if (unanswered != alternatives.end()) alternatives.erase(unanswered);
      }
      m_expected.erase(m_expected.begin(), m_expected.begin() + static_cast<std::ptrdiff_t>(end));
      relay();
      return;
    }
  }
}

void Session::server_ready(char status, Output& out) {
  m_status = status;
  while (!m_expected.empty()) {
    Pending p = std::move(m_expected.front());
    m_expected.pop_front();
    if (p.kind == Expect::poison_sync && !p.refusal.empty()) out.to_client.append(p.refusal);
    if (p.kind == Expect::startup) m_phase = Phase::ready;
    if (p.kind == Expect::query || p.kind == Expect::sync || p.kind == Expect::poison_sync) {
      // The segment has run: the unit takes what it changed (only what makes protection
      // stricter when an error came first), then what the server says of the session.
      if (!m_in_flight.empty()) {
        const Segment segment = std::move(m_in_flight.front());
        m_in_flight.pop_front();
        const auto outcome = segment.failed ? policy::UnitState::Outcome::pending : policy::UnitState::Outcome::confirmed;
        for (const auto& statements : segment.changes) {
          for (const auto& st : statements) m_unit.record(st, m_evaluator->policy(), outcome);
        }
        for (const auto& statements : segment.uncertain) {
          for (const auto& st : statements) m_unit.record(st, m_evaluator->policy(), policy::UnitState::Outcome::pending);
        }
        if (segment.ddl) {
          // It ran: what the catalogs read before may be out of date for every connection.
          if (m_context.relations != nullptr) m_context.relations->invalidate(m_info.database);
          if (m_context.catalog != nullptr) m_context.catalog->invalidate(m_info.database);
        }
      }
    }
    if (p.kind == Expect::startup || p.kind == Expect::query || p.kind == Expect::sync ||
        p.kind == Expect::poison_sync) {
      if (m_reported_encoding) m_unit.set_client_encoding(*std::exchange(m_reported_encoding, std::nullopt));
      if (status == 'E') m_unit.transaction_failed();
      if (status == 'I') m_unit.transaction_idle();
      if (m_context.metrics != nullptr && p.kind != Expect::startup) {
        m_context.metrics->observe_query(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - p.started).count());
      }
      break;
    }
  }
}

void Session::on_server_lost(std::string_view why, Output& out) {
  if (m_phase != Phase::closed && !m_server_fatal) upstream_unavailable(out.to_client, why);
  out.close = true;
  m_phase = Phase::closed;
}

}  // namespace pgwarden::proxy
