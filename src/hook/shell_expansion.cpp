// hook/shell expansions: what follows `$` (parameters, $(...), $((...)), $'...', $"..."),
// backquotes and process substitution, following "Word Expansions" (XCU 2.6:
// https://pubs.opengroup.org/onlinepubs/9799919799/utilities/V3_chap02.html#tag_19_06) and
// bash's "Shell Expansions" and "ANSI-C Quoting".
//
// Nothing is expanded: a parameter becomes a part that names it, a substitution a part that
// holds its parsed body. Bodies are parsed where they stand, once per position (see
// m_substitutions and m_arithmetic), because `$((` is only known to be arithmetic when its `))`
// is found; otherwise it is `$( (`, and the text is read again as that.
#include <cstring>

#include "common/utf8.hpp"
#include "hook/shell_internal.hpp"

namespace pgwarden::hook::shell::detail {

namespace {

bool is_hex(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(int c) {
  return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

}  // namespace

void Lexer::lex_dollar(Parts& b, bool quoted) {
  const std::size_t p = m_pos;
  const std::size_t p1 = skip(p + 1);
  const int c1 = at(p1);
  const auto lone_dollar = [&] {
    b.literal("$", quoted, p, p + 1);
    m_pos = p + 1;
  };
  if (c1 == '\'' && !quoted) return lex_ansi_c(b, p);
  if (c1 == '"' && !quoted) {  // $"...": a translatable string, read as "..."
    m_pos = p1 + 1;
    return lex_double(b, false, p);
  }
  if (c1 == '(') {
    const std::size_t p2 = skip(p1 + 1);
    if (at(p2) == '(') {
      const std::size_t expr = skip(p2 + 1);
      const Arithmetic& a = arithmetic(expr);
      if (m_ctx.failed()) return;
      if (a.ok) {
        WordPart part;
        part.kind = WordPart::Kind::arithmetic;
        part.text = std::string(m_text.substr(expr, a.close - expr));
        part.quoted = quoted;
        part.script = merge_scripts(a.word.parts);
        m_pos = a.end;
        return b.push(std::move(part), p, a.end);
      }
    }
    return lex_substitution(b, quoted, p, p1 + 1, false);
  }
  if (c1 == '{') return lex_parameter_braced(b, quoted, p);
  WordPart part;
  part.kind = WordPart::Kind::parameter;
  part.quoted = quoted;
  if (is_name_start(c1)) {
    std::size_t q = p1;
    std::size_t end = q;
    while (is_name_char(at(q))) {
      part.text += m_text[q];
      end = q + 1;
      q = skip(q + 1);
    }
    m_pos = end;
  } else if (c1 >= 0 && (is_digit(c1) || std::strchr("@*#?$!-", c1) != nullptr)) {
    part.text = std::string(1, static_cast<char>(c1));
    m_pos = p1 + 1;
  } else {
    return lone_dollar();
  }
  b.push(std::move(part), p, m_pos);
}

// $'...': bash's ANSI-C quoting, decoded now. Like bash, a NUL ends the string's value.
void Lexer::lex_ansi_c(Parts& b, std::size_t start) {
  std::size_t i = skip(start + 1) + 1;
  std::string out;
  bool cut = false;
  const auto emit = [&](std::string_view s) {
    if (cut) return;
    const std::size_t nul = s.find('\0');
    out.append(s.substr(0, nul));
    if (nul != std::string_view::npos) cut = true;
  };
  for (;;) {
    if (i >= m_end) {
      m_ctx.fail(offset(start), "unterminated $'...' string");
      m_pos = m_end;
      return;
    }
    const char c = m_text[i];
    if (c == '\'') break;
    if (c != '\\' || i + 1 >= m_end) {
      emit(std::string_view(&m_text[i], 1));
      ++i;
      continue;
    }
    const std::size_t escape = i;
    const char e = m_text[i + 1];
    i += 2;
    const auto hex = [&](int max_digits, unsigned long& value) {
      int n = 0;
      value = 0;
      while (n < max_digits && i < m_end && is_hex(m_text[i])) {
        value = value * 16 + static_cast<unsigned long>(hex_value(m_text[i]));
        ++i;
        ++n;
      }
      return n > 0;
    };
    unsigned long value = 0;
    std::string decoded;
    switch (e) {
      case 'a':
        decoded = "\a";
        break;
      case 'b':
        decoded = "\b";
        break;
      case 'e':
      case 'E':
        decoded = "\x1b";
        break;
      case 'f':
        decoded = "\f";
        break;
      case 'n':
        decoded = "\n";
        break;
      case 'r':
        decoded = "\r";
        break;
      case 't':
        decoded = "\t";
        break;
      case 'v':
        decoded = "\v";
        break;
      case '\\':
      case '\'':
      case '"':
      case '?':
        decoded = std::string(1, e);
        break;
      case 'x':
        if (hex(2, value)) decoded = std::string(1, static_cast<char>(value));
        break;
      case 'u':
      case 'U':
        if (hex(e == 'u' ? 4 : 8, value) && value <= 0x10FFFF &&
            (value < 0xD800 || value > 0xDFFF)) {
          append_utf8(decoded, value);
        } else {
          decoded = std::string(m_text.substr(escape, i - escape));
        }
        break;
      case 'c':
        if (i < m_end && m_text[i] != '\'') {
          decoded = std::string(1, static_cast<char>(m_text[i] & 0x1F));
          ++i;
        }
        break;
      default:
        if (e >= '0' && e <= '7') {
          value = static_cast<unsigned long>(e - '0');
          for (int n = 1; n < 3 && i < m_end && m_text[i] >= '0' && m_text[i] <= '7'; ++n, ++i) {
            value = value * 8 + static_cast<unsigned long>(m_text[i] - '0');
          }
          decoded = std::string(1, static_cast<char>(value & 0xFF));
        }
        break;
    }
    // An unknown escape, or \x, \u, \c with nothing to act on, stays as written.
    if (decoded.empty()) decoded = std::string(m_text.substr(escape, i - escape));
    emit(decoded);
  }
  b.saw_quotes();
  b.literal(out, true, start, i + 1);
  m_pos = i + 1;
}

void Lexer::lex_parameter_braced(Parts& b, bool quoted, std::size_t start) {
  Nesting nest(m_ctx, offset(start));
  if (!nest.ok()) return;
  m_pos = skip(start + 1) + 1;
  WordPart part;
  part.kind = WordPart::Kind::parameter;
  part.quoted = quoted;
  int c = peek();
  if (c == '#' || c == '!') {  // ${#x} length, ${!x} indirection; but ${#} and ${!} are names
    const std::size_t q = skip(m_pos + 1);
    if (at(q) != '}') {
      part.has_operator = true;
      m_pos = q;
      c = peek();
    }
  }
  if (is_name_start(c)) {
    while (is_name_char(c)) {
      part.text += static_cast<char>(c);
      ++m_pos;
      c = peek();
    }
  } else if (is_digit(c)) {
    while (is_digit(c)) {
      part.text += static_cast<char>(c);
      ++m_pos;
      c = peek();
    }
  } else if (c >= 0 && c != 0 && std::strchr("@*#?$!-", c) != nullptr) {
    part.text = std::string(1, static_cast<char>(c));
    ++m_pos;
    c = peek();
  } else if (c < 0) {
    m_ctx.fail(offset(start), "unterminated `${`");
    return;
  } else {
    m_ctx.fail(offset(start), "bad substitution: `${` without a parameter name");
    return;
  }
  if (c == '}') {
    ++m_pos;
  } else {
    part.has_operator = true;
    Parts rest(m_text);
    lex_brace_rest(rest, quoted, start);
    if (m_ctx.failed()) return;
    part.script = merge_scripts(rest.finish());
  }
  b.push(std::move(part), start, m_pos);
}

// What follows the name in ${NAME...} up to and including the closing brace: read for its
// extent and for the substitutions inside it.
void Lexer::lex_brace_rest(Parts& b, bool quoted, std::size_t start) {
  for (;;) {
    if (m_ctx.failed()) return;
    const int c = peek();
    if (c < 0) {
      m_ctx.fail(offset(start), "unterminated `${`");
      return;
    }
    if (c == '}') {
      ++m_pos;
      return;
    }
    if (lex_quote_or_expansion(b, c, quoted)) continue;
    const std::size_t p = m_pos;
    switch (c) {
      case '\'':
        if (!quoted) {
          lex_single(b);
        } else {  // inside "...", '...' still hides a `}` but keeps its quotes
          const void* close = std::memchr(m_text.data() + p + 1, '\'', m_end - p - 1);
          if (close == nullptr) {
            m_ctx.fail(offset(p), "unterminated single quote");
            return;
          }
          const auto e = static_cast<std::size_t>(static_cast<const char*>(close) - m_text.data());
          b.literal(m_text.substr(p, e + 1 - p), true, p, e + 1);
          m_pos = e + 1;
        }
        break;
      default: {
        std::size_t q = p + 1;
        while (q < m_end && std::strchr("}\\'\"$`", m_text[q]) == nullptr) ++q;
        b.literal(m_text.substr(p, q - p), quoted, p, q);
        m_pos = q;
      }
    }
  }
}

// $(...), <(...) or >(...): the body is parsed here and ends where the grammar says.
void Lexer::lex_substitution(Parts& b, bool quoted, std::size_t start, std::size_t body,
                             bool process) {
  auto it = m_substitutions.find(body);
  if (it == m_substitutions.end()) {
    Nesting nest(m_ctx, offset(start));
    if (!nest.ok()) return;
    m_pos = body;
    Parser sub(*this);
    Script script = sub.parse_substitution(offset(start), process);
    if (m_ctx.failed()) return;
    auto unit = std::make_shared<Script>(std::move(script));
    m_units.push_back(unit);
    it = m_substitutions.emplace(body, Substitution{m_pos, std::move(unit)}).first;
  }
  m_pos = it->second.end;
  WordPart part;
  part.kind = WordPart::Kind::command;
  part.text = std::string(m_text.substr(body, m_pos - 1 - body));
  part.quoted = quoted;
  part.script = it->second.script;
  b.push(std::move(part), start, m_pos);
}

// `...`: the body ends at the first unescaped backquote; \$ \` \\ (and \" inside "...") lose
// their backslash, then the body is parsed as a script of its own.
void Lexer::lex_backquote(Parts& b, bool quoted) {
  const std::size_t q = m_pos;
  auto it = m_substitutions.find(q + 1);
  if (it == m_substitutions.end()) {
    std::string body;
    std::vector<Run> runs;
    std::size_t segment = q + 1;
    std::size_t i = q + 1;
    for (;;) {
      if (i >= m_end) {
        m_ctx.fail(offset(q), "unterminated backquote");
        m_pos = m_end;
        return;
      }
      const char c = m_text[i];
      if (c == '`') break;
      if (c == '\\' && i + 1 < m_end) {
        const char d = m_text[i + 1];
        if (d == '$' || d == '`' || d == '\\' || d == '\n' || (quoted && d == '"')) {
          m_buffer.copy(segment, i, body, runs);
          segment = d == '\n' ? i + 2 : i + 1;
        }
        i += 2;
        continue;
      }
      ++i;
    }
    m_buffer.copy(segment, i, body, runs);
    Nesting nest(m_ctx, offset(q));
    if (!nest.ok()) return;
    Script script = parse_buffer(m_ctx, Buffer(std::move(body), std::move(runs), offset(q + 1)));
    if (m_ctx.failed()) return;
    it = m_substitutions
             .emplace(q + 1, Substitution{i + 1, std::make_shared<const Script>(std::move(script))})
             .first;
  }
  m_pos = it->second.end;
  WordPart part;
  part.kind = WordPart::Kind::command;
  part.text = std::string(m_text.substr(q + 1, m_pos - 1 - (q + 1)));
  part.quoted = quoted;
  part.script = it->second.script;
  b.push(std::move(part), q, m_pos);
}

// After `((` or `$((`: an arithmetic expression if a `)` at parenthesis depth 0 is followed by
// another `)`. Read with the real lexer (quotes, $(...)), so that its end agrees with what a
// command substitution would see; the result is kept, so each position is tried once.
const Arithmetic& Lexer::arithmetic(std::size_t pos) {
  if (auto it = m_arithmetic.find(pos); it != m_arithmetic.end()) return it->second;
  Arithmetic a;
  Nesting nest(m_ctx, offset(pos));
  const std::size_t saved = m_pos;
  m_pos = pos;
  while (is_blank(peek())) ++m_pos;
  const std::size_t from = m_pos;
  Parts b(m_text);
  int depth = 0;
  while (nest.ok()) {
    const int c = peek();
    if (c < 0) break;
    const std::size_t p = m_pos;
    if (c == '(' || c == ')') {
      if (c == ')' && depth == 0) {
        const std::size_t q = skip(p + 1);
        if (at(q) == ')') {
          a.ok = true;
          a.close = p;
          a.end = q + 1;
        }
        break;
      }
      depth += c == '(' ? 1 : -1;
      b.literal(m_text.substr(p, 1), false, p, p + 1);
      ++m_pos;
      continue;
    }
    if (lex_quote_or_expansion(b, c, false)) continue;
    std::size_t q = p + 1;
    while (q < m_end && std::strchr("()\\\"$`", m_text[q]) == nullptr) ++q;
    b.literal(m_text.substr(p, q - p), false, p, q);
    m_pos = q;
  }
  if (a.ok && !m_ctx.failed()) {
    a.word.parts = b.finish();
    if (!a.word.parts.empty() && a.word.parts.back().kind == WordPart::Kind::literal) {
      std::string& text = a.word.parts.back().text;
      while (!text.empty() && is_blank(text.back())) text.pop_back();
    }
    std::size_t last = a.close;
    while (last > from && is_blank(m_text[last - 1])) --last;
    a.word.begin = offset(from);
    a.word.end = end_offset(from, last);
  }
  m_pos = saved;
  return m_arithmetic.emplace(pos, std::move(a)).first->second;
}

// The substitutions inside a ${...} operator or an arithmetic expression, as one script.
std::shared_ptr<const Script> Lexer::merge_scripts(const std::vector<WordPart>& parts) {
  std::shared_ptr<const Script> only;
  std::size_t count = 0;
  for (const WordPart& p : parts) {
    if (p.script) {
      only = p.script;
      ++count;
    }
  }
  if (count <= 1) return only;
  auto merged = std::make_shared<Script>();
  for (const WordPart& p : parts) {
    if (p.script)
      merged->items.insert(merged->items.end(), p.script->items.begin(), p.script->items.end());
  }
  m_units.push_back(merged);  // copies of heredoc redirections still need their bodies
  return merged;
}

}  // namespace pgwarden::hook::shell::detail

namespace pgwarden::hook::shell {

std::string quote(std::string_view word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_@%+=:,./-") == std::string_view::npos;
  if (plain) return std::string(word);
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += quote(w);
  }
  return out;
}

}  // namespace pgwarden::hook::shell
