// hook/shell lexer: characters to tokens and words to parts, following "Token Recognition" and
// "Word Expansions" of the POSIX shell language (XCU 2.3, 2.6:
// https://pubs.opengroup.org/onlinepubs/9799919799/utilities/V3_chap02.html) and bash's
// additions (https://www.gnu.org/software/bash/manual/bash.html#Shell-Syntax).
//
// A word is read once, left to right, into parts: quote removal happens here, and every piece
// whose value only the running shell knows ($x, $(...), globs, ~) becomes a part of its own.
// Line continuations (backslash-newline) are skipped wherever they are not quoted, by `skip`.
// Substitution bodies are parsed where they stand by a nested Parser; each is parsed once per
// position (m_substitutions), so trying `$((` as arithmetic and falling back to `$( (` costs
// no second parse and no second side effect. Heredoc bodies are read when a newline token is
// lexed and handed to their redirections by `finish`, when the whole tree exists.
#include <algorithm>
#include <cstring>

#include "hook/shell_internal.hpp"

namespace pgwarden::hook::shell::detail {

namespace {

bool is_operator_start(int c) {
  return c == '&' || c == '|' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')';
}

// Characters an unquoted word reads one at a time; the rest are read in runs.
bool is_special(int c) {
  switch (c) {
    case '\'':
    case '"':
    case '\\':
    case '$':
    case '`':
    case '*':
    case '?':
    case '[':
    case '{':
    case '~':
      return true;
    default:
      return is_break(c);
  }
}

// Appends `part`, joining it to a literal before it with the same quoting.
void append_part(std::vector<WordPart>& parts, WordPart part) {
  if (!parts.empty() && part.kind == WordPart::Kind::literal &&
      parts.back().kind == WordPart::Kind::literal && parts.back().quoted == part.quoted) {
    parts.back().text += part.text;
    parts.back().source += part.source;
    return;
  }
  parts.push_back(std::move(part));
}

WordPart literal_part(std::string text) {
  WordPart part;
  part.source = text;
  part.text = std::move(text);
  return part;
}

}  // namespace

Nesting::Nesting(Context& ctx, std::size_t offset) : m_ctx(ctx) {
  if (++m_ctx.depth > k_max_depth) {
    m_ctx.fail(offset, "nesting deeper than " + std::to_string(k_max_depth));
  }
}

std::size_t Buffer::offset(std::size_t pos) const {
  if (!m_derived) return pos;
  if (m_runs.empty()) return m_origin;
  auto it = std::upper_bound(m_runs.begin(), m_runs.end(), pos,
                             [](std::size_t p, const Run& r) { return p < r.pos; });
  if (it != m_runs.begin()) --it;
  return it->offset + (pos - std::min(pos, it->pos));
}

void Buffer::copy(std::size_t from, std::size_t to, std::string& out,
                  std::vector<Run>& runs) const {
  const auto add_run = [&](std::size_t offset) {
    const std::size_t pos = out.size();
    if (!runs.empty() && runs.back().offset + (pos - runs.back().pos) == offset) return;
    runs.push_back(Run{pos, offset});
  };
  const std::string_view src = text();
  if (!m_derived || m_runs.empty()) {
    if (from >= to) return;
    add_run(offset(from));
    out.append(src.substr(from, to - from));
    return;
  }
  // Split at this buffer's own runs, so that the map stays exact through two derivations.
  auto it = std::upper_bound(m_runs.begin(), m_runs.end(), from,
                             [](std::size_t p, const Run& r) { return p < r.pos; });
  std::size_t k = it == m_runs.begin() ? 0 : static_cast<std::size_t>(it - m_runs.begin()) - 1;
  std::size_t p = from;
  while (p < to) {
    const std::size_t run_end = k + 1 < m_runs.size() ? m_runs[k + 1].pos : src.size();
    const std::size_t seg_end = std::min(to, std::max(run_end, p + 1));
    add_run(offset(p));
    out.append(src.substr(p, seg_end - p));
    p = seg_end;
    ++k;
  }
}

void PartsBuilder::literal(std::string_view s, bool quoted, std::size_t from, std::size_t to) {
  if (s.empty()) {
    m_quotes = true;
    return;
  }
  if (!m_parts.empty() && m_parts.back().kind == WordPart::Kind::literal &&
      m_parts.back().quoted == quoted) {
    m_parts.back().text.append(s);
    raw(m_parts.size() - 1).second = to;
    return;
  }
  WordPart part;
  part.text = std::string(s);
  part.quoted = quoted;
  push(std::move(part), from, to);
}

void PartsBuilder::push(WordPart part, std::size_t from, std::size_t to) {
  if (m_parts.empty()) {
    m_first = {from, to};
  } else {
    m_rest.emplace_back(from, to);
  }
  m_parts.push_back(std::move(part));
}

std::vector<WordPart> PartsBuilder::finish() {
  for (std::size_t i = 0; i < m_parts.size(); ++i) {
    const auto [from, to] = raw(i);
    m_parts[i].source = std::string(m_text.substr(from, to - from));
  }
  if (m_parts.empty() && m_quotes) {  // "" and '': an empty argument, not no argument
    WordPart empty;
    empty.quoted = true;
    m_parts.push_back(std::move(empty));
  }
  return std::move(m_parts);
}

Lexer::Lexer(Context& ctx, Buffer buffer)
    : m_ctx(ctx), m_buffer(std::move(buffer)), m_text(m_buffer.text()), m_end(m_text.size()) {}

std::size_t Lexer::skip(std::size_t pos) const {
  while (pos + 1 < m_end && m_text[pos] == '\\' && m_text[pos + 1] == '\n') pos += 2;
  return pos;
}

int Lexer::peek() {
  m_pos = skip(m_pos);
  return at(m_pos);
}

std::size_t Lexer::end_offset(std::size_t begin, std::size_t end) const {
  return end > begin ? offset(end - 1) + 1 : offset(begin);
}

Token Lexer::make(TokenKind kind, std::size_t from) {
  Token t;
  t.kind = kind;
  t.pos = from;
  t.pos_end = m_pos;
  t.begin = offset(from);
  t.end = end_offset(from, m_pos);
  return t;
}

void Lexer::skip_blanks_and_comment(Mode mode) {
  for (;;) {
    const int c = peek();
    if (is_blank(c) || (mode != Mode::normal && c == '\n')) {
      ++m_pos;
    } else if (c == '#') {
      const void* nl = std::memchr(m_text.data() + m_pos, '\n', m_end - m_pos);
      m_pos = nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - m_text.data())
                            : m_end;
    } else {
      return;
    }
  }
}

Token Lexer::next(Mode mode, std::size_t floor) {
  if (m_ctx.failed()) {
    m_pos = m_end;
    return make(TokenKind::end, m_end);
  }
  skip_blanks_and_comment(mode);
  const std::size_t from = m_pos;
  const int c = peek();
  if (c < 0) return make(TokenKind::end, from);
  if (c == '\n') {
    ++m_pos;
    Token t = make(TokenKind::newline, from);
    read_heredocs(floor);
    return t;
  }
  if (mode == Mode::regex) {
    if (!is_break(c) || c == '(' || c == '|') return lex_word(mode, from);
    mode = Mode::test;
  }
  if (mode == Mode::normal && is_digit(c)) {  // an io number: digits right before < or >
    std::size_t q = m_pos;
    while (q < m_end && is_digit(m_text[q])) ++q;
    if (q - m_pos <= 9 && (at(q) == '<' || at(q) == '>')) {
      int fd = 0;
      for (std::size_t i = m_pos; i < q; ++i) fd = fd * 10 + (m_text[i] - '0');
      m_pos = q;
      return lex_operator(mode, from, fd);
    }
  }
  if (is_operator_start(c)) return lex_operator(mode, from, -1);
  return lex_word(mode, from);
}

Token Lexer::lex_operator(Mode mode, std::size_t from, int fd) {
  const std::size_t p0 = m_pos;
  const int c0 = at(p0);
  const std::size_t p1 = skip(p0 + 1);
  const int c1 = at(p1);
  const std::size_t p2 = skip(p1 + 1);
  const int c2 = at(p2);

  if (mode == Mode::test) {  // inside [[ ]], && || < > ( ) are words
    std::size_t end = 0;
    if ((c0 == '&' && c1 == '&') || (c0 == '|' && c1 == '|')) {
      end = p1 + 1;
    } else if (c0 == '<' || c0 == '>' || c0 == '(' || c0 == ')') {
      end = p0 + 1;
    }
    if (end != 0) {
      m_pos = end;
      Token t = make(TokenKind::word, from);
      const std::string text = c1 == c0 && end > p0 + 1 ? std::string(2, static_cast<char>(c0))
                                                        : std::string(1, static_cast<char>(c0));
      t.word.parts.push_back(literal_part(text));
      t.word.begin = t.begin;
      t.word.end = t.end;
      return t;
    }
  }

  const auto op = [&](Op o, std::size_t end) {
    m_pos = end;
    Token t = make(TokenKind::op, from);
    t.op = o;
    return t;
  };
  const auto redirect = [&](Redirect::Op r, std::size_t end, bool strip_tabs = false) {
    m_pos = end;
    Token t = make(TokenKind::redirect, from);
    t.redirect = r;
    t.fd = fd;
    t.strip_tabs = strip_tabs;
    return t;
  };
  using R = Redirect::Op;
  switch (c0) {
    case '&':
      if (c1 == '&') return op(Op::and_if, p1 + 1);
      if (c1 == '>')
        return c2 == '>' ? redirect(R::append_all, p2 + 1) : redirect(R::output_all, p1 + 1);
      return op(Op::amp, p0 + 1);
    case '|':
      if (c1 == '|') return op(Op::or_if, p1 + 1);
      if (c1 == '&') return op(Op::pipe_all, p1 + 1);
      return op(Op::pipe, p0 + 1);
    case ';':
      if (c1 == ';') return c2 == '&' ? op(Op::dsemi_amp, p2 + 1) : op(Op::dsemi, p1 + 1);
      if (c1 == '&') return op(Op::semi_amp, p1 + 1);
      return op(Op::semi, p0 + 1);
    case '(':
      return op(Op::lparen, p0 + 1);
    case ')':
      return op(Op::rparen, p0 + 1);
    case '<':
      if (c1 == '(' && fd < 0) return lex_word(mode, from);  // <(...)
      if (c1 == '<') {
        if (c2 == '<') return redirect(R::herestring, p2 + 1);
        if (c2 == '-') return redirect(R::heredoc, p2 + 1, true);
        return redirect(R::heredoc, p1 + 1);
      }
      if (c1 == '&') return redirect(R::dup_input, p1 + 1);
      if (c1 == '>') return redirect(R::read_write, p1 + 1);
      return redirect(R::input, p0 + 1);
    default:                                                 // '>'
      if (c1 == '(' && fd < 0) return lex_word(mode, from);  // >(...)
      if (c1 == '>') return redirect(R::append, p1 + 1);
      if (c1 == '&') return redirect(R::dup_output, p1 + 1);
      if (c1 == '|') return redirect(R::clobber, p1 + 1);
      return redirect(R::output, p0 + 1);
  }
}

Token Lexer::lex_word(Mode mode, std::size_t from) {
  Token t;
  Parts b(m_text);
  bool tilde_ok = mode != Mode::regex;
  if (mode == Mode::normal) {
    // NAME=, NAME+= or NAME[subscript]= written plainly at the start: maybe an assignment.
    std::size_t q = m_pos;
    if (is_name_start(at(q))) {
      while (is_name_char(at(q))) ++q;
      bool subscript = false;
      if (at(q) == '[') {
        std::size_t r = q + 1;
        while (r < m_end && std::strchr("]\\'\"$` \t\n", m_text[r]) == nullptr) ++r;
        if (at(r) == ']') {
          q = r + 1;
          subscript = true;
        }
      }
      if (at(q) == '+' && at(q + 1) == '=') ++q;
      if (at(q) == '=') {
        ++q;
        t.assign_len = q - m_pos;
        b.literal(m_text.substr(m_pos, q - m_pos), false, m_pos, q);
        m_pos = q;
        // Just after the `=`, where an empty value also ends (offset(q) may be past a line
        // continuation a backquoted body dropped).
        t.value_begin = end_offset(from, q);
        if (at(q) == '(' && !subscript) {
          t.pos = from;
          lex_array(t, q);
          t.pos_end = m_pos;
          t.begin = offset(from);
          t.end = end_offset(from, m_pos);
          t.word.begin = t.begin;
          t.word.end = t.end;
          return t;
        }
      }
    }
  }
  const int c = peek();
  if ((c == '<' || c == '>') && at(skip(m_pos + 1)) == '(') {
    lex_substitution(b, false, m_pos, skip(m_pos + 1) + 1, true);
    tilde_ok = false;
  }
  lex_unquoted(b, mode, tilde_ok);
  if (m_pos == from && !m_ctx.failed()) {  // never return an empty token: take one byte
    b.literal(m_text.substr(m_pos, 1), false, m_pos, m_pos + 1);
    ++m_pos;
  }
  t.kind = TokenKind::word;
  t.pos = from;
  t.pos_end = m_pos;
  t.begin = offset(from);
  t.end = end_offset(from, m_pos);
  t.word.parts = b.finish();
  t.word.begin = t.begin;
  t.word.end = t.end;
  return t;
}

void Lexer::lex_array(Token& t, std::size_t open) {
  t.array = true;
  m_pos = open + 1;
  for (;;) {
    if (m_ctx.failed()) return;
    int c = peek();
    while (is_blank(c) || c == '\n' || c == '#') {
      if (c == '#') {
        while (m_pos < m_end && m_text[m_pos] != '\n') ++m_pos;
      } else {
        ++m_pos;
      }
      c = peek();
    }
    if (c < 0) {
      m_ctx.fail(offset(open), "unterminated array `(`");
      return;
    }
    if (c == ')') {
      ++m_pos;
      break;
    }
    if (is_operator_start(c)) {
      m_ctx.fail(offset(m_pos),
                 std::string("unexpected `") + static_cast<char>(c) + "` in an array");
      return;
    }
    const std::size_t from = m_pos;
    Parts e(m_text);
    lex_unquoted(e, Mode::normal, true);
    Word w;
    w.parts = e.finish();
    w.begin = offset(from);
    w.end = end_offset(from, m_pos);
    t.elements.push_back(std::move(w));
  }
  // The word as a whole, for a command where it is not an assignment (`declare a=(x y)`).
  std::vector<WordPart> parts;
  append_part(parts, literal_part(std::string(m_text.substr(t.pos, open + 1 - t.pos))));
  for (std::size_t i = 0; i < t.elements.size(); ++i) {
    if (i > 0) append_part(parts, literal_part(" "));
    for (const WordPart& p : t.elements[i].parts) append_part(parts, p);
  }
  append_part(parts, literal_part(")"));
  t.kind = TokenKind::word;
  t.word.parts = std::move(parts);
}

void Lexer::lex_unquoted(Parts& b, Mode mode, bool tilde_ok) {
  bool first = true;
  int depth = 0;  // parentheses in a regex
  for (;; first = false) {
    if (m_ctx.failed()) return;
    const int c = peek();
    if (c < 0) return;
    if (mode == Mode::regex) {
      const bool inside = depth > 0 && c != '\n';
      if (c == '(' || (c == ')' && depth > 0) || c == '|' || (inside && is_break(c))) {
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        b.literal(m_text.substr(m_pos, 1), false, m_pos, m_pos + 1);
        ++m_pos;
        continue;
      }
    }
    if (is_break(c)) return;
    if (lex_quote_or_expansion(b, c, false)) continue;
    const std::size_t p = m_pos;
    switch (c) {
      case '\'':
        lex_single(b);
        break;
      case '*':
      case '?':
        if (mode == Mode::regex) {
          b.literal(m_text.substr(p, 1), false, p, p + 1);
          ++m_pos;
        } else {
          push_glob(b, p, p + 1);
        }
        break;
      default: {
        const bool done = (c == '[' && mode != Mode::regex && lex_bracket(b)) ||
                          (c == '{' && mode == Mode::normal && lex_brace_expansion(b)) ||
                          (c == '~' && first && tilde_ok && lex_tilde(b));
        if (done) break;
        std::size_t q = p + 1;
        while (q < m_end && !is_special(static_cast<unsigned char>(m_text[q]))) ++q;
        b.literal(m_text.substr(p, q - p), false, p, q);
        m_pos = q;
        break;
      }
    }
  }
}

void Lexer::lex_single(Parts& b) {
  const std::size_t q = m_pos;
  const void* close = std::memchr(m_text.data() + q + 1, '\'', m_end - q - 1);
  if (close == nullptr) {
    m_ctx.fail(offset(q), "unterminated single quote");
    m_pos = m_end;
    return;
  }
  const auto e = static_cast<std::size_t>(static_cast<const char*>(close) - m_text.data());
  b.saw_quotes();
  b.literal(m_text.substr(q + 1, e - q - 1), true, q, e + 1);
  m_pos = e + 1;
}

// The inside of "..." (after the opening quote), or a heredoc body (to the end of the buffer,
// where `"` is an ordinary character).
// The pattern m_text[p, end) as one glob part; reading goes on at `end`.
void Lexer::push_glob(Parts& b, std::size_t p, std::size_t end) {
  WordPart glob;
  glob.kind = WordPart::Kind::glob;
  glob.text = std::string(m_text.substr(p, end - p));
  b.push(std::move(glob), p, end);
  m_pos = end;
}

bool Lexer::lex_quote_or_expansion(Parts& b, int c, bool quoted) {
  switch (c) {
    case '\\':
      lex_escape(b);
      return true;
    case '"': {
      const std::size_t p = m_pos++;
      lex_double(b, false, p);
      return true;
    }
    case '$':
      lex_dollar(b, quoted);
      return true;
    case '`':
      lex_backquote(b, quoted);
      return true;
    default:
      return false;
  }
}

void Lexer::lex_double(Parts& b, bool heredoc, std::size_t start) {
  b.saw_quotes();
  for (;;) {
    if (m_ctx.failed()) return;
    const int c = peek();
    if (c < 0) {
      if (!heredoc) m_ctx.fail(offset(start), "unterminated double quote");
      return;
    }
    const std::size_t p = m_pos;
    if (c == '"' && !heredoc) {
      ++m_pos;
      return;
    }
    if (c == '\\') {
      const int d = at(p + 1);
      if (d == '$' || d == '`' || d == '\\' || (d == '"' && !heredoc)) {
        b.literal(m_text.substr(p + 1, 1), true, p, p + 2);
        m_pos = p + 2;
      } else {
        b.literal("\\", true, p, p + 1);
        m_pos = p + 1;
      }
    } else if (c == '$') {
      lex_dollar(b, true);
    } else if (c == '`') {
      lex_backquote(b, true);
    } else {
      std::size_t q = p + 1;
      while (q < m_end) {
        const char d = m_text[q];
        if (d == '\\' || d == '$' || d == '`' || (d == '"' && !heredoc)) break;
        ++q;
      }
      b.literal(m_text.substr(p, q - p), true, p, q);
      m_pos = q;
    }
  }
}

void Lexer::lex_escape(Parts& b) {
  const std::size_t p = m_pos;
  if (p + 1 >= m_end) {  // a backslash at the very end stays
    b.literal("\\", false, p, p + 1);
    m_pos = p + 1;
    return;
  }
  b.literal(m_text.substr(p + 1, 1), true, p, p + 2);
  m_pos = p + 2;
}

// [...] up to a `]` in the same word: a bracket expression. Otherwise `[` is a literal (as in
// `[ -f x ]`). A failed scan is remembered, so that `[[[[...` stays linear.
bool Lexer::lex_bracket(Parts& b) {
  const std::size_t p = m_pos;
  if (p < m_no_bracket_before) return false;
  std::size_t i = p + 1;
  if (at(i) == '!' || at(i) == '^') ++i;
  if (at(i) == ']') ++i;
  for (; i < m_end; ++i) {
    const char c = m_text[i];
    if (c == ']') {
      push_glob(b, p, i + 1);
      return true;
    }
    if (is_break(c) || std::strchr("'\"\\$`", c) != nullptr) break;
  }
  m_no_bracket_before = i;
  return false;
}

// {a,b} or {1..9}, written plainly: brace expansion, whose result is a list of words, so the
// word is not known now. A scan stops at the next `{`, so scans never overlap.
bool Lexer::lex_brace_expansion(Parts& b) {
  const std::size_t p = m_pos;
  bool separator = false;
  for (std::size_t i = p + 1; i < m_end; ++i) {
    const char c = m_text[i];
    if (c == '}') {
      if (!separator) return false;
      push_glob(b, p, i + 1);
      return true;
    }
    if (c == ',' || (c == '.' && at(i + 1) == '.')) {
      separator = true;
    } else if (is_break(c) || std::strchr("{'\"\\$`", c) != nullptr) {
      return false;
    }
  }
  return false;
}

// ~ or ~user up to the first `/` or the end of the word.
bool Lexer::lex_tilde(Parts& b) {
  const std::size_t p = m_pos;
  std::size_t i = p + 1;
  while (i < m_end && (is_name_char(m_text[i]) || std::strchr(".-+", m_text[i]) != nullptr)) ++i;
  if (i < m_end && m_text[i] != '/' && !is_break(m_text[i])) return false;
  WordPart tilde;
  tilde.kind = WordPart::Kind::tilde;
  tilde.text = std::string(m_text.substr(p, i - p));
  b.push(std::move(tilde), p, i);
  m_pos = i;
  return true;
}

void Lexer::add_heredoc(const Word& delimiter, bool quoted, bool strip_tabs) {
  m_pending.push_back(PendingHeredoc{delimiter.begin, delimiter.text(), quoted, strip_tabs});
}

void Lexer::read_heredocs(std::size_t floor) {
  if (m_pending.size() <= floor) return;
  for (std::size_t i = floor; i < m_pending.size() && !m_ctx.failed(); ++i) {
    read_heredoc(m_pending[i]);
  }
  m_pending.resize(floor);
}

// Reads lines up to the delimiter (or the end of the buffer, as bash does). `<<-` strips
// leading tabs from every line, the delimiter's included. A quoted delimiter keeps the body
// literal; otherwise it is read like "..." in which `"` is an ordinary character.
void Lexer::read_heredoc(const PendingHeredoc& h) {
  std::string text;
  std::vector<Run> runs;
  const std::size_t body_begin = m_pos;
  std::size_t body_end = m_end;
  while (m_pos < m_end) {
    const std::size_t line = m_pos;
    const void* nl_ptr = std::memchr(m_text.data() + line, '\n', m_end - line);
    const std::size_t nl =
        nl_ptr != nullptr
            ? static_cast<std::size_t>(static_cast<const char*>(nl_ptr) - m_text.data())
            : m_end;
    const std::size_t next = nl < m_end ? nl + 1 : m_end;
    std::size_t content = line;
    if (h.strip_tabs) {
      while (content < nl && m_text[content] == '\t') ++content;
    }
    m_pos = next;
    if (m_text.substr(content, nl - content) == h.delimiter) {
      body_end = line;
      break;
    }
    m_buffer.copy(content, next, text, runs);
  }
  Word body;
  body.begin = offset(body_begin);
  body.end = end_offset(body_begin, body_end);
  if (h.quoted || text.find_first_of("$`\\") == std::string::npos) {
    if (!text.empty()) {
      WordPart part = literal_part(std::move(text));
      part.quoted = true;
      body.parts.push_back(std::move(part));
    }
  } else {
    Nesting nest(m_ctx, body.begin);
    if (!nest.ok()) return;
    Lexer sub(m_ctx, Buffer(std::move(text), std::move(runs), body.begin));
    body.parts = sub.heredoc_word().parts;
  }
  m_bodies.insert_or_assign(h.key, std::move(body));
}

Word Lexer::heredoc_word() {
  Parts b(m_text);
  m_pos = 0;
  lex_double(b, true, 0);
  Word w;
  w.parts = b.finish();
  if (w.parts.size() == 1 && w.parts[0].text.empty() &&
      w.parts[0].kind == WordPart::Kind::literal) {
    w.parts.clear();
  }
  finish(nullptr);
  return w;
}

void Lexer::finish(Script* script) {
  for (const PendingHeredoc& h : m_pending) {  // no newline after them: empty bodies
    Word empty;
    empty.begin = empty.end = end_offset(0, m_end);
    m_bodies.insert_or_assign(h.key, std::move(empty));
  }
  m_pending.clear();
  if (m_bodies.empty() || m_ctx.failed()) return;
  if (script != nullptr) fill(*script);
  for (const auto& unit : m_units) fill(*unit);
}

void Lexer::settle(Pipeline& pipeline) {
  if (!m_bodies.empty()) {
    for (Command& command : pipeline.commands) fill(command);
    for (const auto& unit : m_units) fill(*unit);
  }
  m_units.clear();
  m_substitutions.clear();
}

void Lexer::fill(Script& script) {
  for (AndOr& and_or : script.items) {
    for (Pipeline& pipeline : and_or.pipelines) {
      for (Command& command : pipeline.commands) fill(command);
    }
  }
}

void Lexer::fill(Command& command) {
  for (Redirect& r : command.redirects) {
    if (r.op != Redirect::Op::heredoc) continue;
    if (auto it = m_bodies.find(r.target.begin); it != m_bodies.end()) r.body = it->second;
  }
  for (Script& body : command.bodies) fill(body);
}

}  // namespace pgwarden::hook::shell::detail
