#include "proxy/replies.hpp"

#include "proxy/wire/messages.hpp"

namespace pgwarden::proxy {
namespace {

void reply(std::string& out, std::string_view severity, std::string_view code, std::string_view message,
           std::string_view detail = {}, std::string_view hint = {}, std::size_t position = 0) {
  std::vector<wire::Field> fields{{'S', std::string(severity)},
                                  {'V', std::string(severity)},
                                  {'C', std::string(code)},
                                  {'M', std::string(message)}};
  if (!detail.empty()) fields.push_back({'D', std::string(detail)});
  if (!hint.empty()) fields.push_back({'H', std::string(hint)});
  if (position > 0) fields.push_back({'P', std::to_string(position)});
  wire::encode_error(out, fields);
}

}  // namespace

void policy_refusal(std::string& out, const RefusalText& text) {
  reply(out, "ERROR", "42501", text.message, text.detail, text.hint, text.position);
}

void connection_refused(std::string& out, std::string_view why) {
  reply(out, "FATAL", "42501", std::string("pgwarden: connection refused: ") + std::string(why));
}

void protocol_violation(std::string& out, std::string_view what) {
  reply(out, "FATAL", "08P01", std::string("pgwarden: protocol violation: ") + std::string(what));
}

void upstream_unavailable(std::string& out, std::string_view why) {
  reply(out, "FATAL", "08006", std::string("pgwarden: the database server is unavailable: ") + std::string(why));
}

void startup_timeout(std::string& out) {
  reply(out, "FATAL", "08P01", "pgwarden: the client did not complete its startup in time");
}

void too_many_connections(std::string& out) {
  reply(out, "FATAL", "53300", "pgwarden: too many client connections to the proxy");
}

void shutting_down(std::string& out) {
  reply(out, "FATAL", "57P01", "pgwarden: the proxy is shutting down");
}

}  // namespace pgwarden::proxy
