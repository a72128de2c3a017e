// UTF-8 encoding of a code point, shared by the readers that decode escapes: the hook's shell
// lexer ($'\u00e9') and its JSON reader ("\u00e9").
#pragma once

#include <string>

namespace pgwarden {

// Appends `cp` (at most U+10FFFF; the caller has checked) to `out` as UTF-8.
inline void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6U));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12U));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18U));
    out += static_cast<char>(0x80 | ((cp >> 12U) & 0x3FU));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  }
}

}  // namespace pgwarden
