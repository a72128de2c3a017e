#include "lint/recipe.hpp"

#include <cctype>

namespace pgwarden::lint {
namespace {

bool same_word(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// Skips spaces and comments.
std::size_t skip(std::string_view s, std::size_t pos) {
  while (pos < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[pos])) != 0) {
      ++pos;
    } else if (s.substr(pos, 2) == "--") {
      const auto nl = s.find_first_of("\r\n", pos);  // as PostgreSQL ends a -- comment
      pos = nl == std::string_view::npos ? s.size() : nl + 1;
    } else if (s.substr(pos, 2) == "/*") {
      const auto end = s.find("*/", pos + 2);
      pos = end == std::string_view::npos ? s.size() : end + 2;
    } else {
      break;
    }
  }
  return pos;
}

}  // namespace

std::string insert_after_words(std::string_view statement, std::initializer_list<std::string_view> words,
                               std::string_view insert) {
  std::size_t pos = skip(statement, 0);
  for (std::string_view word : words) {
    const bool optional = word.ends_with('?');
    if (optional) word.remove_suffix(1);
    std::size_t end = pos;
    while (end < statement.size() && (std::isalnum(static_cast<unsigned char>(statement[end])) != 0 || statement[end] == '_')) ++end;
    if (same_word(statement.substr(pos, end - pos), word)) {
      pos = skip(statement, end);
    } else if (!optional) {
      return {};
    }
  }
  std::string out(statement.substr(0, pos));
  out += insert;
  out += ' ';
  out += statement.substr(pos);
  return out;
}

std::string ident(std::string_view name) { return sql::quote_identifier(name); }

std::string column_list(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + (c.starts_with('(') ? c : ident(c));
  return out;
}

std::string default_name(const sql::ObjectName& table, const std::vector<std::string>& columns, std::string_view suffix) {
  std::string out = table.name;
  for (const auto& c : columns) {
    if (!c.starts_with('(')) out += "_" + c;
  }
  out += "_";
  out += suffix;
  if (out.size() > 63) out = out.substr(0, 63 - suffix.size() - 1) + "_" + std::string(suffix);
  return out;
}

std::string steps(std::initializer_list<std::string> lines) {
  std::string out;
  for (const auto& line : lines) {
    if (line.empty()) continue;
    out += (out.empty() ? "" : "\n") + line;
  }
  return out;
}

}  // namespace pgwarden::lint
