#include "common/glob.hpp"

#include <fmt/format.h>

namespace pgwarden {
namespace {

// Matches a bracket expression starting at p[i] == '['; sets `next` past the closing ']'.
bool match_class(std::string_view p, std::size_t i, char c, std::size_t& next) {
  std::size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  bool matched = false;
  bool first = true;
  while (j < p.size() && (first || p[j] != ']')) {
    first = false;
    char lo = p[j];
    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      hi = p[j + 2];
      j += 2;
    }
    if (c >= lo && c <= hi) matched = true;
    ++j;
  }
  next = j + 1;
  return matched != negate;
}

bool match_from(std::string_view p, std::size_t pi, std::string_view t, std::size_t ti) {
  // Iterative with one backtrack point for the last '*', as in fnmatch implementations.
  std::size_t star_p = std::string_view::npos;
  std::size_t star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size()) {
      const char pc = p[pi];
      if (pc == '*') {
        star_p = ++pi;
        star_t = ti;
        continue;
      }
      if (pc == '?') {
        ++pi;
        ++ti;
        continue;
      }
      if (pc == '[') {
        std::size_t next = 0;
        if (match_class(p, pi, t[ti], next)) {
          pi = next;
          ++ti;
          continue;
        }
      } else {
        char lit = pc;
        std::size_t adv = 1;
        if (pc == '\\' && pi + 1 < p.size()) {
          lit = p[pi + 1];
          adv = 2;
        }
        if (lit == t[ti]) {
          pi += adv;
          ++ti;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    ti = ++star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

Expected<Glob> Glob::compile(std::string_view pattern) {
  if (pattern.empty()) return make_error("empty glob pattern");
  Glob g;
  g.m_pattern = std::string(pattern);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 == pattern.size()) {
        return make_error(fmt::format("glob '{}' ends with a lone backslash", pattern));
      }
      ++i;
    } else if (c == '*' || c == '?') {
      g.m_literal = false;
    } else if (c == '[') {
      g.m_literal = false;
      std::size_t j = i + 1;
      if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;  // a leading ']' is literal
      while (j < pattern.size() && pattern[j] != ']') j += (pattern[j] == '\\') ? 2 : 1;
      if (j >= pattern.size()) {
        return make_error(fmt::format("glob '{}' has an unclosed '['", pattern));
      }
      i = j;
    }
  }
  return g;
}

bool Glob::matches(std::string_view text) const {
  if (m_literal) {
    // Fast path; unescape only if the pattern holds backslashes.
    if (m_pattern.find('\\') == std::string::npos) return text == m_pattern;
  }
  return match_from(m_pattern, 0, text, 0);
}

}  // namespace pgwarden
