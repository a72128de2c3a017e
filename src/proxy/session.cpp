#include "proxy/session.hpp"

#include <algorithm>

#include "proxy/fast_path.hpp"
#include "proxy/metrics.hpp"
#include "proxy/replies.hpp"
#include "proxy/wire/frame.hpp"

namespace pgwarden::proxy {
namespace {

// Server messages are trusted for their content but not for their lengths: PostgreSQL's own
// limit for a message is 1 GB.
constexpr std::size_t k_max_server_message = std::size_t{1} << 30;

bool is_truthy_replication(std::string_view v) {
  return v == "database" || v == "true" || v == "on" || v == "yes" || v == "1";
}

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
    m_info.user = packet->parameter("user");
    m_info.database = packet->parameter("database");
    if (m_info.database.empty()) m_info.database = m_info.user;
    m_info.application = packet->parameter("application_name");
    m_replication = is_truthy_replication(packet->parameter("replication"));
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
    // The startup packet goes to the server unchanged: a newer minor version is answered by the
    // server's NegotiateProtocolVersion, which is relayed unchanged too.
    out.to_server.append(raw);
    out.connect_upstream = true;
    m_phase = Phase::authenticating;
    m_expected.push_back(Pending{Expect::startup, {}, nullptr, std::chrono::steady_clock::now()});
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

void Session::forward(char type, std::string_view body, Expect expect, Output& out,
                      std::shared_ptr<const policy::UnitState> unit_before) {
  pass(type, body, out);
  m_expected.push_back(Pending{expect, {}, std::move(unit_before), std::chrono::steady_clock::now()});
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
  m_expected.push_back(Pending{ends_with_sync ? Expect::poison_sync : Expect::poison, std::move(error), nullptr,
                               std::chrono::steady_clock::now()});
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
      Judgement j = judge(m_context, *m_evaluator, m_info, *text, m_standard_strings, m_unit);
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
      forward(type, body, Expect::query, out, std::move(j.unit_before));
      return Step::next;
    }
    case 'P': {
      const auto parse = wire::decode_parse(body);
      if (!parse) return malformed("malformed Parse message");
      Judgement j = judge(m_context, *m_evaluator, m_info, parse->query, m_standard_strings, m_unit);
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
        } else {
          m_refused_statements[name] = j.refusal;
        }
        refuse(j.refusal, false, out);
        return Step::next;
      }
      if (name.empty()) {
        m_unnamed_refused = false;
      } else {
        m_refused_statements.erase(name);
      }
      forward(type, body, Expect::parse, out, std::move(j.unit_before));
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
    case 'E':
      forward(type, body, Expect::execute, out);
      return Step::next;
    case 'C': {
      const auto target = wire::decode_target(body);
      if (!target) return malformed("malformed Close message");
      if (target->kind == 'S') {
        if (target->name.empty()) {
          m_unnamed_refused = false;
        } else {
          m_refused_statements.erase(std::string(target->name));
        }
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
      const Judgement j = judge_fast_path(m_context, *m_evaluator, m_info, call->oid, m_standard_strings, m_unit);
      if (j.refused) {
        refuse(j.refusal, true, out);
        return Step::next;
      }
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
    case Expect::parse: done = type == '1'; break;
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
      // standard_conforming_strings decides how the analyzer reads backslashes in strings.
      const auto nul = body.find('\0');
      if (nul != std::string_view::npos && body.substr(0, nul) == "standard_conforming_strings") {
        const std::string_view value = body.substr(nul + 1, body.find('\0', nul + 1) - nul - 1);
        m_standard_strings = value != "off";
      }
      relay();
      return;
    }
    default:
      relay();
  }
}

void Session::restore_unit(std::size_t from) {
  // The server failed a message that created or renamed something: it never happened (the
  // statement and everything after it in the same unit of work are rolled back).
  for (std::size_t i = 0; i < m_expected.size() && i <= from; ++i) {
    if (m_expected[i].unit_before) {
      m_unit = *m_expected[i].unit_before;
      return;
    }
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
      restore_unit(0);
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
      restore_unit(end == 0 ? 0 : end - 1);
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
    if (p.kind == Expect::startup || p.kind == Expect::query || p.kind == Expect::sync ||
        p.kind == Expect::poison_sync) {
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
