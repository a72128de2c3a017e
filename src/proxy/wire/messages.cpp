#include "proxy/wire/messages.hpp"

#include <cstring>

#include "proxy/wire/frame.hpp"

namespace pgwarden::proxy::wire {
namespace {

// Reads a body front to back; every read checks the bounds and a failed read poisons the rest.
class Reader {
 public:
  explicit Reader(std::string_view body) : m_rest(body) {}

  std::optional<std::string_view> cstring() {
    const auto end = m_rest.find('\0');
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view s = m_rest.substr(0, end);
    m_rest.remove_prefix(end + 1);
    return s;
  }
  std::optional<std::uint32_t> u32() {
    if (m_rest.size() < 4) return std::nullopt;
    const std::uint32_t v = read_u32(m_rest.data());
    m_rest.remove_prefix(4);
    return v;
  }
  std::optional<char> byte() {
    if (m_rest.empty()) return std::nullopt;
    const char c = m_rest.front();
    m_rest.remove_prefix(1);
    return c;
  }
  [[nodiscard]] bool done() const { return m_rest.empty(); }

 private:
  std::string_view m_rest;
};

// Appends type and a placeholder length; `finish` fills the length in.
std::size_t begin(std::string& out, char type) {
  if (type != 0) out.push_back(type);
  const std::size_t at = out.size();
  out.append(4, '\0');
  return at;
}
void finish(std::string& out, std::size_t at) {
  put_u32(out.data() + at, static_cast<std::uint32_t>(out.size() - at));
}
void put_cstring(std::string& out, std::string_view s) {
  out.append(s);
  out.push_back('\0');
}

}  // namespace

std::string StartupPacket::parameter(std::string_view name) const {
  for (const auto& [k, v] : parameters) {
    if (k == name) return v;
  }
  return {};
}

std::optional<StartupPacket> decode_startup(std::string_view body) {
  Reader r(body);
  StartupPacket p;
  const auto code = r.u32();
  if (!code) return std::nullopt;
  p.code = *code;
  if ((p.code >> 16) != k_protocol_major_3) return p;  // a request code: the caller reads the rest
  // name\0value\0 ... \0
  for (;;) {
    const auto name = r.cstring();
    if (!name) return std::nullopt;
    if (name->empty()) break;
    const auto value = r.cstring();
    if (!value) return std::nullopt;
    if (p.parameters.size() >= 64) return std::nullopt;
    p.parameters.emplace_back(std::string(*name), std::string(*value));
  }
  if (!r.done()) return std::nullopt;
  return p;
}

std::optional<std::string_view> decode_query(std::string_view body) {
  Reader r(body);
  auto text = r.cstring();
  if (!text || !r.done()) return std::nullopt;
  return text;
}

std::optional<Parse> decode_parse(std::string_view body) {
  Reader r(body);
  const auto name = r.cstring();
  const auto query = name ? r.cstring() : std::nullopt;
  if (!query) return std::nullopt;
  return Parse{*name, *query};
}

std::optional<Bind> decode_bind(std::string_view body) {
  Reader r(body);
  const auto portal = r.cstring();
  const auto statement = portal ? r.cstring() : std::nullopt;
  if (!statement) return std::nullopt;
  return Bind{*portal, *statement};
}

std::optional<Target> decode_target(std::string_view body) {
  Reader r(body);
  const auto kind = r.byte();
  if (!kind || (*kind != 'S' && *kind != 'P')) return std::nullopt;
  const auto name = r.cstring();
  if (!name || !r.done()) return std::nullopt;
  return Target{*kind, *name};
}

std::optional<Execute> decode_execute(std::string_view body) {
  Reader r(body);
  const auto portal = r.cstring();
  const auto max_rows = r.u32();
  if (!portal || !max_rows || !r.done()) return std::nullopt;
  return Execute{*portal, *max_rows};
}

std::optional<FunctionCall> decode_function_call(std::string_view body) {
  Reader r(body);
  const auto oid = r.u32();
  if (!oid) return std::nullopt;
  return FunctionCall{*oid};
}

void encode_message(std::string& out, char type, std::string_view body) {
  const auto at = begin(out, type);
  out.append(body);
  finish(out, at);
}

void encode_query(std::string& out, std::string_view text) {
  const auto at = begin(out, 'Q');
  put_cstring(out, text);
  finish(out, at);
}

void encode_bind(std::string& out, std::string_view portal, std::string_view statement) {
  const auto at = begin(out, 'B');
  put_cstring(out, portal);
  put_cstring(out, statement);
  out.append(6, '\0');  // no parameter formats, no parameters, no result formats (3 x int16)
  finish(out, at);
}

void encode_sync(std::string& out) { finish(out, begin(out, 'S')); }
void encode_terminate(std::string& out) { finish(out, begin(out, 'X')); }

void encode_untyped(std::string& out, std::uint32_t code, std::string_view rest) {
  const auto at = begin(out, 0);
  char c[4];
  put_u32(c, code);
  out.append(c, 4);
  out.append(rest);
  finish(out, at);
}

std::optional<std::vector<Field>> decode_fields(std::string_view body) {
  Reader r(body);
  std::vector<Field> out;
  for (;;) {
    const auto code = r.byte();
    if (!code) return std::nullopt;
    if (*code == '\0') break;
    const auto value = r.cstring();
    if (!value) return std::nullopt;
    out.push_back(Field{*code, std::string(*value)});
  }
  return out;
}

void encode_error(std::string& out, const std::vector<Field>& fields) {
  const auto at = begin(out, 'E');
  for (const auto& f : fields) {
    out.push_back(f.code);
    // A NUL inside a value would end it early on the client's side.
    for (char ch : f.value) out.push_back(ch == '\0' ? ' ' : ch);
    out.push_back('\0');
  }
  out.push_back('\0');
  finish(out, at);
}

void encode_ready_for_query(std::string& out, char status) {
  const auto at = begin(out, 'Z');
  out.push_back(status);
  finish(out, at);
}

}  // namespace pgwarden::proxy::wire
