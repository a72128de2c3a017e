// Client encodings, as PostgreSQL 15 names them, and what they mean for reading SQL text.
//
// The server converts every message from the session's client_encoding to its own encoding
// before it lexes it (https://www.postgresql.org/docs/15/multibyte.html). In UTF-8 and in every
// encoding a server can use, a byte below 0x80 is always the ASCII character it looks like, so
// quotes, backslashes and semicolons split a text the same way whatever those encodings say;
// only the characters of names and strings differ, and converting the text to UTF-8 reads them
// the way the server does. The client-only encodings (SJIS, BIG5, GBK, UHC, GB18030, JOHAB,
// SHIFT_JIS_2004) are different: there a byte above 0x80 can take the next byte, a backslash or
// a quote included, into one character, so the same bytes split into other statements. Text in
// those encodings is never read by pgwarden; pure ASCII is the same in all of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::encoding {

enum class Kind : unsigned char {
  utf8,         // UTF8, and SQL_ASCII (no conversion: the server checks the bytes as its own)
  ascii_safe,   // LATIN1, WIN1252, EUC_JP, KOI8R, ...: convertible to UTF-8, ASCII bytes are ASCII
  client_only,  // SJIS, BIG5, GBK, UHC, GB18030, JOHAB, SHIFT_JIS_2004: a trail byte can be '\' or '''
  unknown,      // a name PostgreSQL does not know, or a value pgwarden could not follow
};

// PostgreSQL's clean_encoding_name: lower case, only letters and digits ("Shift_JIS" -> "shiftjis").
std::string normalize(std::string_view name);
Kind classify(std::string_view name);
// The canonical PostgreSQL name ("SJIS" for "mskanji"), or "" when the name is unknown.
std::string canonical(std::string_view name);

// True when every byte is below 0x80: the text reads the same in every encoding.
bool is_ascii(std::string_view text);

// `text` in `name` (an ascii_safe encoding) converted to UTF-8, or std::nullopt when the bytes
// are not valid in it or the conversion is not available. UTF-8 text is returned unchanged.
std::optional<std::string> to_utf8(std::string_view text, std::string_view name);

}  // namespace pgwarden::encoding
