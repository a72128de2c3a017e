// The protocol 3 messages the proxy reads or writes, as plain structs with decode/encode free
// functions. Decoders take a message body (wire/frame.hpp) and return nullopt for a body that
// does not hold what its type promises; views point into the body. Encoders append a whole
// message, type and length included, to `out`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgwarden::proxy::wire {

// Codes of untyped startup-phase packets (the int32 after the length).
inline constexpr std::uint32_t k_ssl_request = 80877103;
inline constexpr std::uint32_t k_gssenc_request = 80877104;
inline constexpr std::uint32_t k_cancel_request = 80877102;
inline constexpr std::uint32_t k_protocol_major_3 = 3;

// ---- client to server ------------------------------------------------------------------

struct StartupPacket {
  std::uint32_t code = 0;  // protocol version (major << 16 | minor) or a request code above
  std::vector<std::pair<std::string, std::string>> parameters;  // StartupMessage only

  [[nodiscard]] std::string parameter(std::string_view name) const;
};
std::optional<StartupPacket> decode_startup(std::string_view body);

// 'Q'
std::optional<std::string_view> decode_query(std::string_view body);

struct Parse {  // 'P'
  std::string_view statement;
  std::string_view query;
};
std::optional<Parse> decode_parse(std::string_view body);

struct Bind {  // 'B': only the names; parameters are passed through untouched
  std::string_view portal;
  std::string_view statement;
};
std::optional<Bind> decode_bind(std::string_view body);

struct Target {  // 'D' Describe and 'C' Close: 'S' statement or 'P' portal, and its name
  char kind = 'S';
  std::string_view name;
};
std::optional<Target> decode_target(std::string_view body);

struct Execute {  // 'E'
  std::string_view portal;
  std::uint32_t max_rows = 0;
};
std::optional<Execute> decode_execute(std::string_view body);

struct FunctionCall {  // 'F': the fast-path call of a function by OID
  std::uint32_t oid = 0;
};
std::optional<FunctionCall> decode_function_call(std::string_view body);

// Any typed message, from its type and body (the session relays messages it has read whole).
void encode_message(std::string& out, char type, std::string_view body);
void encode_query(std::string& out, std::string_view text);
void encode_bind(std::string& out, std::string_view portal, std::string_view statement);
void encode_sync(std::string& out);
void encode_terminate(std::string& out);
void encode_untyped(std::string& out, std::uint32_t code, std::string_view rest);

// ---- server to client ------------------------------------------------------------------


// 'E' / 'N': the fields by code.
struct Field {
  char code = 0;
  std::string value;
};
std::optional<std::vector<Field>> decode_fields(std::string_view body);
void encode_error(std::string& out, const std::vector<Field>& fields);

void encode_ready_for_query(std::string& out, char status);

}  // namespace pgwarden::proxy::wire
