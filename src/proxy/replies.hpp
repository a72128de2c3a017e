// Everything the proxy says on its own account, one named function each, with a fixed SQLSTATE.
//
// A policy refusal is ERROR 42501 (insufficient_privilege): what PostgreSQL itself, set_user and
// supautils answer for "not allowed"; drivers map it to a permission error and nothing retries
// it. The classes poolers and drivers retry (08, 40001, 40P01, 53300, 55P03, 57P0x) and 58000 are
// avoided for refusals, and FATAL is used only where the session really ends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pgwarden::proxy {

struct RefusalText {
  std::string message;  // M: the action and the object
  std::string detail;   // D: the rule and the document that forbid it
  std::string hint;     // H: the non-destructive alternative
  std::size_t position = 0;  // P: 1-based character position in the query string; 0 = none
};

// ERROR 42501: the policy refuses a statement. The session goes on.
void policy_refusal(std::string& out, const RefusalText& text);
// FATAL 42501: the policy refuses this connection (a replication connection no profile allows).
void connection_refused(std::string& out, std::string_view why);
// FATAL 08P01: the client broke the protocol (bad length, unknown message, bytes before TLS).
void protocol_violation(std::string& out, std::string_view what);
// FATAL 08006: the server cannot be reached or went away.
void upstream_unavailable(std::string& out, std::string_view why);
// FATAL 08P01: the client did not finish its startup in time.
void startup_timeout(std::string& out);
// FATAL 53300: the proxy's connection limit is reached.
void too_many_connections(std::string& out);
// FATAL 57P01: the proxy is shutting down (SIGTERM drained the session).
void shutting_down(std::string& out);

// The single byte answers to SSLRequest and GSSENCRequest.
inline constexpr char k_tls_yes = 'S';
inline constexpr char k_tls_no = 'N';

}  // namespace pgwarden::proxy
