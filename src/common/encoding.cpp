#include "common/encoding.hpp"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace pgwarden::encoding {
namespace {

struct Name {
  std::string_view alias;      // normalized, as PostgreSQL's pg_encname_tbl lists it
  std::string_view canonical;  // PostgreSQL's name for the encoding
  Kind kind;
  std::string_view iconv;      // glibc's name for it; "" when pgwarden does not convert it
};

// PostgreSQL 15's src/common/encnames.c, sorted by alias.
constexpr std::array<Name, 81> k_names = {{
    {"abc", "WIN1258", Kind::ascii_safe, "CP1258"},
    {"alt", "WIN866", Kind::ascii_safe, "CP866"},
    {"big5", "BIG5", Kind::client_only, ""},
    {"euccn", "EUC_CN", Kind::ascii_safe, "EUC-CN"},
    {"eucjis2004", "EUC_JIS_2004", Kind::ascii_safe, "EUC-JISX0213"},
    {"eucjp", "EUC_JP", Kind::ascii_safe, "EUC-JP"},
    {"euckr", "EUC_KR", Kind::ascii_safe, "EUC-KR"},
    {"euctw", "EUC_TW", Kind::ascii_safe, "EUC-TW"},
    {"gb18030", "GB18030", Kind::client_only, ""},
    {"gbk", "GBK", Kind::client_only, ""},
    {"iso88591", "LATIN1", Kind::ascii_safe, "ISO-8859-1"},
    {"iso885910", "LATIN6", Kind::ascii_safe, "ISO-8859-10"},
    {"iso885913", "LATIN7", Kind::ascii_safe, "ISO-8859-13"},
    {"iso885914", "LATIN8", Kind::ascii_safe, "ISO-8859-14"},
    {"iso885915", "LATIN9", Kind::ascii_safe, "ISO-8859-15"},
    {"iso885916", "LATIN10", Kind::ascii_safe, "ISO-8859-16"},
    {"iso88592", "LATIN2", Kind::ascii_safe, "ISO-8859-2"},
    {"iso88593", "LATIN3", Kind::ascii_safe, "ISO-8859-3"},
    {"iso88594", "LATIN4", Kind::ascii_safe, "ISO-8859-4"},
    {"iso88595", "ISO_8859_5", Kind::ascii_safe, "ISO-8859-5"},
    {"iso88596", "ISO_8859_6", Kind::ascii_safe, "ISO-8859-6"},
    {"iso88597", "ISO_8859_7", Kind::ascii_safe, "ISO-8859-7"},
    {"iso88598", "ISO_8859_8", Kind::ascii_safe, "ISO-8859-8"},
    {"iso88599", "LATIN5", Kind::ascii_safe, "ISO-8859-9"},
    {"johab", "JOHAB", Kind::client_only, ""},
    {"koi8", "KOI8R", Kind::ascii_safe, "KOI8-R"},
    {"koi8r", "KOI8R", Kind::ascii_safe, "KOI8-R"},
    {"koi8u", "KOI8U", Kind::ascii_safe, "KOI8-U"},
    {"latin1", "LATIN1", Kind::ascii_safe, "ISO-8859-1"},
    {"latin10", "LATIN10", Kind::ascii_safe, "ISO-8859-16"},
    {"latin2", "LATIN2", Kind::ascii_safe, "ISO-8859-2"},
    {"latin3", "LATIN3", Kind::ascii_safe, "ISO-8859-3"},
    {"latin4", "LATIN4", Kind::ascii_safe, "ISO-8859-4"},
    {"latin5", "LATIN5", Kind::ascii_safe, "ISO-8859-9"},
    {"latin6", "LATIN6", Kind::ascii_safe, "ISO-8859-10"},
    {"latin7", "LATIN7", Kind::ascii_safe, "ISO-8859-13"},
    {"latin8", "LATIN8", Kind::ascii_safe, "ISO-8859-14"},
    {"latin9", "LATIN9", Kind::ascii_safe, "ISO-8859-15"},
    {"mskanji", "SJIS", Kind::client_only, ""},
    {"muleinternal", "MULE_INTERNAL", Kind::ascii_safe, ""},
    {"shiftjis", "SJIS", Kind::client_only, ""},
    {"shiftjis2004", "SHIFT_JIS_2004", Kind::client_only, ""},
    {"sjis", "SJIS", Kind::client_only, ""},
    {"sqlascii", "SQL_ASCII", Kind::utf8, ""},
    {"tcvn", "WIN1258", Kind::ascii_safe, "CP1258"},
    {"tcvn5712", "WIN1258", Kind::ascii_safe, "CP1258"},
    {"uhc", "UHC", Kind::client_only, ""},
    {"unicode", "UTF8", Kind::utf8, ""},
    {"utf8", "UTF8", Kind::utf8, ""},
    {"vscii", "WIN1258", Kind::ascii_safe, "CP1258"},
    {"win", "WIN1251", Kind::ascii_safe, "CP1251"},
    {"win1250", "WIN1250", Kind::ascii_safe, "CP1250"},
    {"win1251", "WIN1251", Kind::ascii_safe, "CP1251"},
    {"win1252", "WIN1252", Kind::ascii_safe, "CP1252"},
    {"win1253", "WIN1253", Kind::ascii_safe, "CP1253"},
    {"win1254", "WIN1254", Kind::ascii_safe, "CP1254"},
    {"win1255", "WIN1255", Kind::ascii_safe, "CP1255"},
    {"win1256", "WIN1256", Kind::ascii_safe, "CP1256"},
    {"win1257", "WIN1257", Kind::ascii_safe, "CP1257"},
    {"win1258", "WIN1258", Kind::ascii_safe, "CP1258"},
    {"win866", "WIN866", Kind::ascii_safe, "CP866"},
    {"win874", "WIN874", Kind::ascii_safe, "CP874"},
    {"win932", "SJIS", Kind::client_only, ""},
    {"win936", "GBK", Kind::client_only, ""},
    {"win949", "UHC", Kind::client_only, ""},
    {"win950", "BIG5", Kind::client_only, ""},
    {"windows1250", "WIN1250", Kind::ascii_safe, "CP1250"},
    {"windows1251", "WIN1251", Kind::ascii_safe, "CP1251"},
    {"windows1252", "WIN1252", Kind::ascii_safe, "CP1252"},
    {"windows1253", "WIN1253", Kind::ascii_safe, "CP1253"},
    {"windows1254", "WIN1254", Kind::ascii_safe, "CP1254"},
    {"windows1255", "WIN1255", Kind::ascii_safe, "CP1255"},
    {"windows1256", "WIN1256", Kind::ascii_safe, "CP1256"},
    {"windows1257", "WIN1257", Kind::ascii_safe, "CP1257"},
    {"windows1258", "WIN1258", Kind::ascii_safe, "CP1258"},
    {"windows866", "WIN866", Kind::ascii_safe, "CP866"},
    {"windows874", "WIN874", Kind::ascii_safe, "CP874"},
    {"windows932", "SJIS", Kind::client_only, ""},
    {"windows936", "GBK", Kind::client_only, ""},
    {"windows949", "UHC", Kind::client_only, ""},
    {"windows950", "BIG5", Kind::client_only, ""},
}};

// `name` normalized (see normalize) equals `alias`, compared without building the normalized copy.
bool matches(std::string_view name, std::string_view alias) {
  std::size_t j = 0;
  for (const char c : name) {
    char folded = 0;
    if (c >= 'A' && c <= 'Z') {
      folded = static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      folded = c;
    } else {
      continue;
    }
    if (j == alias.size() || alias[j] != folded) return false;
    ++j;
  }
  return j == alias.size();
}

const Name* find(std::string_view name) {
  for (const auto& n : k_names) {
    if (matches(name, n.alias)) return &n;
  }
  return nullptr;
}

}  // namespace

std::string normalize(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    }
  }
  return out;
}

Kind classify(std::string_view name) {
  const Name* n = find(name);
  return n != nullptr ? n->kind : Kind::unknown;
}

std::string canonical(std::string_view name) {
  const Name* n = find(name);
  return n != nullptr ? std::string(n->canonical) : std::string();
}

bool is_ascii(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0x80) != 0; });
}

std::optional<std::string> to_utf8(std::string_view text, std::string_view name) {
  const Name* n = find(name);
  if (n == nullptr) return std::nullopt;
  if (n->kind == Kind::utf8 || is_ascii(text)) return std::string(text);
  if (n->kind != Kind::ascii_safe || n->iconv.empty()) return std::nullopt;
  const std::string from(n->iconv);
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out(text.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size();
  char* o = out.data();
  std::size_t out_left = out.size();
  const std::size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1) || in_left != 0) return std::nullopt;
  out.resize(out.size() - out_left);
  return out;
}

}  // namespace pgwarden::encoding
