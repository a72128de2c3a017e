// Character classes of ASCII, as SQL's lexer and PostgreSQL's identifier folding define them:
// not the C library's <cctype>, whose answers follow the process's locale and which is a call
// per byte on a path that reads every byte of every statement.
#pragma once

namespace pgwarden::ascii {

constexpr bool is_upper(unsigned char c) {
  return c >= 'A' && c <= 'Z';
}
constexpr bool is_lower(unsigned char c) {
  return c >= 'a' && c <= 'z';
}
constexpr bool is_alpha(unsigned char c) {
  return is_upper(c) || is_lower(c);
}
constexpr bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_alnum(unsigned char c) {
  return is_alpha(c) || is_digit(c);
}
// Space, tab, newline, vertical tab, form feed, carriage return (<cctype>'s "C" locale).
constexpr bool is_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}
constexpr char to_lower(char c) {
  return is_upper(static_cast<unsigned char>(c)) ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char to_upper(char c) {
  return is_lower(static_cast<unsigned char>(c)) ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace pgwarden::ascii
