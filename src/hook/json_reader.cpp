#include "hook/json_reader.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "common/utf8.hpp"

namespace pgwarden::hook {
namespace {

using nlohmann::json;

// Bytes a string copies without looking further: neither `"`, `\`, a control character nor the
// start of a multi-byte UTF-8 sequence.
constexpr std::array<bool, 256> k_plain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

class Reader {
 public:
  explicit Reader(std::string_view text) : m_text(text) {}

  std::optional<json> document() {
    json value;
    skip_space();
    if (!read_value(value, 0)) return std::nullopt;
    skip_space();
    if (m_pos != m_text.size()) return std::nullopt;
    return value;
  }

 private:
  [[nodiscard]] int at() const {
    return m_pos < m_text.size() ? static_cast<unsigned char>(m_text[m_pos]) : -1;
  }

  void skip_space() {
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++m_pos;
    }
  }

  bool literal(std::string_view word) {
    if (m_text.substr(m_pos, word.size()) != word) return false;
    m_pos += word.size();
    return true;
  }

  bool read_value(json& out, int depth) {
    switch (at()) {
      case '{':
        return read_object(out, depth + 1);
      case '[':
        return read_array(out, depth + 1);
      case '"': {
        std::string s;
        if (!read_string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        out = true;
        return literal("true");
      case 'f':
        out = false;
        return literal("false");
      case 'n':
        out = nullptr;
        return literal("null");
      default:
        return read_number(out);
    }
  }

  bool read_object(json& out, int depth) {
    if (depth > k_max_json_depth) return false;
    ++m_pos;  // {
    out = json::object();
    skip_space();
    if (at() == '}') {
      ++m_pos;
      return true;
    }
    std::string key;
    for (;;) {
      if (at() != '"') return false;
      key.clear();
      if (!read_string(key)) return false;
      skip_space();
      if (at() != ':') return false;
      ++m_pos;
      skip_space();
      json value;
      if (!read_value(value, depth)) return false;
      out[key] = std::move(value);  // a repeated key: the last value, as nlohmann keeps
      skip_space();
      if (at() == ',') {
        ++m_pos;
        skip_space();
        continue;
      }
      if (at() != '}') return false;
      ++m_pos;
      return true;
    }
  }

  bool read_array(json& out, int depth) {
    if (depth > k_max_json_depth) return false;
    ++m_pos;  // [
    out = json::array();
    skip_space();
    if (at() == ']') {
      ++m_pos;
      return true;
    }
    for (;;) {
      json value;
      if (!read_value(value, depth)) return false;
      out.push_back(std::move(value));
      skip_space();
      if (at() == ',') {
        ++m_pos;
        skip_space();
        continue;
      }
      if (at() != ']') return false;
      ++m_pos;
      return true;
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool read_number(json& out) {
    const std::size_t from = m_pos;
    const auto digits = [&] {
      const std::size_t d = m_pos;
      while (at() >= '0' && at() <= '9') ++m_pos;
      return m_pos > d;
    };
    const bool negative = at() == '-';
    if (negative) ++m_pos;
    if (at() == '0') {
      ++m_pos;
    } else if (!digits()) {
      return false;
    }
    bool integer = true;
    if (at() == '.') {
      ++m_pos;
      if (!digits()) return false;
      integer = false;
    }
    if (at() == 'e' || at() == 'E') {
      ++m_pos;
      if (at() == '+' || at() == '-') ++m_pos;
      if (!digits()) return false;
      integer = false;
    }
    const char* first = m_text.data() + from;
    const char* last = m_text.data() + m_pos;
    if (integer) {
      if (negative) {
        std::int64_t v = 0;
        if (const auto r = std::from_chars(first, last, v); r.ec == std::errc() && r.ptr == last) {
          out = v;
          return true;
        }
      } else {
        std::uint64_t v = 0;
        if (const auto r = std::from_chars(first, last, v); r.ec == std::errc() && r.ptr == last) {
          out = v;
          return true;
        }
      }
    }
    // A fraction, an exponent or an integer out of range: a double, as nlohmann reads it. Out of
    // the double's range nlohmann refuses; leave that (and its message) to it.
    double v = 0;
    const auto r = std::from_chars(first, last, v);
    if (r.ec != std::errc() || r.ptr != last) return false;
    out = v;
    return true;
  }

  // Four hex digits after \u.
  bool hex4(unsigned& out) {
    if (m_pos + 4 > m_text.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = m_text[m_pos++];
      out <<= 4U;
      if (c >= '0' && c <= '9') {
        out |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  bool read_escape(std::string& s) {
    ++m_pos;  // backslash
    const int e = at();
    ++m_pos;
    switch (e) {
      case '"':
        s += '"';
        return true;
      case '\\':
        s += '\\';
        return true;
      case '/':
        s += '/';
        return true;
      case 'b':
        s += '\b';
        return true;
      case 'f':
        s += '\f';
        return true;
      case 'n':
        s += '\n';
        return true;
      case 'r':
        s += '\r';
        return true;
      case 't':
        s += '\t';
        return true;
      case 'u': {
        unsigned cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
        if (cp >= 0xD800 && cp <= 0xDBFF) {              // a high one: its pair must follow
          unsigned low = 0;
          if (!literal("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10U) + (low - 0xDC00);
        }
        append_utf8(s, cp);
        return true;
      }
      default:
        return false;
    }
  }

  // One UTF-8 sequence of two to four bytes, well-formed (RFC 3629: no overlongs, no
  // surrogates, nothing above U+10FFFF), copied as is.
  bool read_utf8(std::string& s) {
    const auto byte = [&](std::size_t i) {
      return m_pos + i < m_text.size() ? static_cast<unsigned char>(m_text[m_pos + i]) : 0U;
    };
    const auto cont = [](unsigned b, unsigned lo = 0x80, unsigned hi = 0xBF) {
      return b >= lo && b <= hi;
    };
    const unsigned b0 = byte(0);
    std::size_t n = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = cont(byte(1)) ? 2 : 0;
    } else if (b0 == 0xE0) {
      n = cont(byte(1), 0xA0) && cont(byte(2)) ? 3 : 0;
    } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
      n = cont(byte(1)) && cont(byte(2)) ? 3 : 0;
    } else if (b0 == 0xED) {
      n = cont(byte(1), 0x80, 0x9F) && cont(byte(2)) ? 3 : 0;
    } else if (b0 == 0xF0) {
      n = cont(byte(1), 0x90) && cont(byte(2)) && cont(byte(3)) ? 4 : 0;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
      n = cont(byte(1)) && cont(byte(2)) && cont(byte(3)) ? 4 : 0;
    } else if (b0 == 0xF4) {
      n = cont(byte(1), 0x80, 0x8F) && cont(byte(2)) && cont(byte(3)) ? 4 : 0;
    }
    if (n == 0) return false;
    s.append(m_text.substr(m_pos, n));
    m_pos += n;
    return true;
  }

  bool read_string(std::string& s) {
    ++m_pos;  // opening quote
    for (;;) {
      const std::size_t run = m_pos;
      while (m_pos < m_text.size() && k_plain[static_cast<unsigned char>(m_text[m_pos])]) ++m_pos;
      s.append(m_text.substr(run, m_pos - run));
      const int c = at();
      if (c == '"') {
        ++m_pos;
        return true;
      }
      if (c == '\\') {
        if (!read_escape(s)) return false;
      } else if (c >= 0x80) {
        if (!read_utf8(s)) return false;
      } else {
        return false;  // the end of the input, or a control character
      }
    }
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

}  // namespace

std::optional<json> read_json(std::string_view text) {
  return Reader(text).document();
}

json parse_json(std::string_view text) {
  if (auto fast = read_json(text)) return std::move(*fast);
  return json::parse(text, nullptr, false);
}

}  // namespace pgwarden::hook
