#include "sql/split.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "common/ascii.hpp"

namespace pgwarden::sql {
namespace {

bool is_ident_start(unsigned char c) {
  return ascii::is_alpha(c) || c == '_' || c >= 0x80;
}
bool is_ident_char(unsigned char c) {
  return ascii::is_alnum(c) || c == '_' || c == '$' || c >= 0x80;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii::to_lower(x) == ascii::to_lower(y);
         });
}

// The first few words of the current statement, enough to recognize
// SET standard_conforming_strings ... and COPY ... FROM STDIN.
struct Words {
  static constexpr std::size_t k_max = 8;
  std::array<std::string_view, k_max> word{};
  std::size_t count = 0;  // words seen in total (identifiers and keywords)
  bool has_from_stdin = false;
  std::string_view previous;

  void add(std::string_view w) {
    if (count < k_max) word[count] = w;
    if (iequals(previous, "from") && iequals(w, "stdin")) has_from_stdin = true;
    previous = w;
    ++count;
  }
  [[nodiscard]] bool first_is(std::string_view w) const { return count > 0 && iequals(word[0], w); }
};

bool is_operator_char(unsigned char c) {
  return std::string_view("+-*/<>=~!@#%^&|`?").find(static_cast<char>(c)) != std::string_view::npos;
}

// Chunk::nesting: one chain counter per open bracket; the estimate is their sum plus the
// brackets, kept as a running total so that deep input stays linear.
struct Nesting {
  std::vector<std::size_t> chain{0};
  std::size_t total = 0;
  std::size_t max = 0;

  void open() {
    chain.push_back(0);
    ++total;
    note();
  }
  void close() {
    if (chain.size() == 1) return;
    total -= chain.back() + 1;
    chain.pop_back();
  }
  void link() {
    ++chain.back();
    ++total;
    note();
  }
  void separator() {
    total -= chain.back();
    chain.back() = 0;
  }
  void note() { max = std::max(max, total); }
};

class Splitter {
 public:
  Splitter(std::string_view text, SplitOptions& options,
           std::vector<std::pair<std::size_t, std::size_t>>* literals = nullptr)
      : m_text(text), m_options(options), m_literals(literals) {}

  std::vector<Chunk> run() {
    while (m_pos < m_text.size()) step();
    finish_statement(m_text.size());
    return std::move(m_chunks);
  }

 private:
  void step() {
    const auto c = static_cast<unsigned char>(m_text[m_pos]);
    if (ascii::is_space(c)) {
      ++m_pos;
      return;
    }
    if (c == '-' && peek(1) == '-') {
      skip_comment();
      return;
    }
    if (c == '/' && peek(1) == '*') {
      skip_block_comment();
      return;
    }
    if (m_options.psql_meta_commands && c == '\\') {
      meta_command();
      return;
    }
    if (c == ';' && !m_in_statement) {  // an empty statement
      ++m_pos;
      return;
    }
    mark_token();
    if (c == ';') {
      m_nesting.separator();
      if (m_paren_depth <= 0 && m_begin_depth == 0) {
        finish_statement(m_pos);
        ++m_pos;
        after_statement();
        return;
      }
      ++m_pos;
      return;
    }
    if (c == '(' || c == '[') {
      if (c == '(') ++m_paren_depth;
      m_nesting.open();
      ++m_pos;
      return;
    }
    if (c == ')' || c == ']') {
      if (c == ')') --m_paren_depth;
      m_nesting.close();
      ++m_pos;
      return;
    }
    if (c == ',') {
      m_nesting.separator();
      ++m_pos;
      return;
    }
    if (c == '\'') {
      const std::size_t start = m_pos;
      skip_string(!m_options.standard_conforming_strings);
      record_string(start, m_pos);
      return;
    }
    if (c == '"') {
      skip_quoted('"');
      return;
    }
    if (c == '$' && dollar_quote()) return;
    if (is_ident_start(c)) {
      identifier();
      return;
    }
    if (ascii::is_digit(c)) {
      // Not the number of a parameter ($1), which is part of its token.
      if (m_literals != nullptr && !(m_pos > 0 && m_text[m_pos - 1] == '$'))
        record_literal(m_pos, numeric_end(m_pos));
      while (m_pos < m_text.size() &&
             (is_ident_char(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '.')) {
        ++m_pos;
      }
      return;
    }
    if (is_operator_char(c)) {
      while (m_pos < m_text.size() && is_operator_char(static_cast<unsigned char>(m_text[m_pos])) &&
             !(m_text[m_pos] == '-' && peek(1) == '-') &&
             !(m_text[m_pos] == '/' && peek(1) == '*')) {
        ++m_pos;
      }
      m_nesting.link();
      return;
    }
    ++m_pos;  // other punctuation
  }

  // A plain '...' string is a constant for literal_shape only when it is terminated and plain
  // ASCII: its value then cannot make the statement fail to lex or parse. Anything else makes
  // the whole chunk unshaped (an empty range is recorded as the marker).
  void record_string(std::size_t begin, std::size_t end) {
    if (m_literals == nullptr) return;
    const std::string_view s = m_text.substr(begin, end - begin);
    bool plain = s.size() >= 2 && s.back() == '\'';
    for (const char ch : s)
      plain =
          plain && static_cast<unsigned char>(ch) >= 0x20 && static_cast<unsigned char>(ch) < 0x7f;
    if (!plain) {
      m_unshaped = true;
      return;
    }
    record_literal(begin, end);
  }

  void record_literal(std::size_t begin, std::size_t end) {
    if (m_literals == nullptr || end <= begin) return;
    // The exponent of 1.5e-3 is scanned again as a token of its own: it is inside the constant.
    if (!m_literals->empty() && begin < m_literals->back().second) return;
    m_literals->emplace_back(begin, end);
  }

  // Where PostgreSQL's lexer ends the numeric constant at `p`: digits [. digits] [e [+-] digits].
  // What follows (an identifier glued to it, as in `1from`) is another token, kept in a shape.
  [[nodiscard]] std::size_t numeric_end(std::size_t p) const {
    const auto digit = [&](std::size_t i) {
      return i < m_text.size() && ascii::is_digit(static_cast<unsigned char>(m_text[i]));
    };
    while (digit(p)) ++p;
    if (p < m_text.size() && m_text[p] == '.' && !(p + 1 < m_text.size() && m_text[p + 1] == '.')) {
      ++p;
      while (digit(p)) ++p;
    }
    if (p < m_text.size() && (m_text[p] == 'e' || m_text[p] == 'E')) {
      std::size_t q = p + 1;
      if (q < m_text.size() && (m_text[q] == '+' || m_text[q] == '-')) ++q;
      if (digit(q)) {
        p = q;
        while (digit(p)) ++p;
      }
    }
    return p;
  }

  [[nodiscard]] char peek(std::size_t ahead) const {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }

  void mark_token() {
    if (!m_in_statement) {
      m_in_statement = true;
      m_start = m_pos;
    }
  }

  void skip_line() {
    const auto nl = m_text.find('\n', m_pos);
    m_pos = nl == std::string_view::npos ? m_text.size() : nl + 1;
  }

  // A -- comment ends at a newline or a carriage return, as PostgreSQL's and psql's lexers end
  // it (scan.l: non_newline is [^\n\r]); what follows a lone \r is SQL again.
  void skip_comment() {
    const auto end = m_text.find_first_of("\r\n", m_pos);
    m_pos = end == std::string_view::npos ? m_text.size() : end + 1;
  }

  void skip_block_comment() {
    int depth = 0;
    while (m_pos < m_text.size()) {
      if (m_text[m_pos] == '/' && peek(1) == '*') {
        ++depth;
        m_pos += 2;
      } else if (m_text[m_pos] == '*' && peek(1) == '/') {
        m_pos += 2;
        if (--depth == 0) return;
      } else {
        ++m_pos;
      }
    }
  }

  // '...' (the opening quote is at m_pos). Backslash escapes apply to E'...' and, with
  // standard_conforming_strings off, to every string.
  void skip_string(bool backslash_escapes) {
    ++m_pos;
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (backslash_escapes && c == '\\') {
        m_pos += 2;
        continue;
      }
      ++m_pos;
      if (c == '\'') {
        if (peek(0) == '\'') {
          ++m_pos;
          continue;
        }
        return;
      }
    }
  }

  void skip_quoted(char quote) {
    ++m_pos;
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos++];
      if (c == quote) {
        if (peek(0) == quote) {
          ++m_pos;
          continue;
        }
        return;
      }
    }
  }

  // $tag$ ... $tag$; returns false when the '$' does not open a dollar quote ($1, a lone $).
  bool dollar_quote() {
    std::size_t p = m_pos + 1;
    if (p < m_text.size() && is_ident_start(static_cast<unsigned char>(m_text[p]))) {
      while (p < m_text.size() && is_ident_char(static_cast<unsigned char>(m_text[p])) &&
             m_text[p] != '$') {
        ++p;
      }
    }
    if (p >= m_text.size() || m_text[p] != '$') return false;
    const std::string_view tag = m_text.substr(m_pos, p - m_pos + 1);
    const auto close = m_text.find(tag, p + 1);
    m_pos = close == std::string_view::npos ? m_text.size() : close + tag.size();
    return true;
  }

  void identifier() {
    const std::size_t start = m_pos;
    const auto c = static_cast<unsigned char>(m_text[m_pos]);
    // String prefixes: E'..', e'..', U&'..', U&"..", B'..', X'..', N'..'
    const char next = peek(1);
    if ((c == 'E' || c == 'e') && next == '\'') {
      ++m_pos;
      skip_string(true);
      return;
    }
    if ((c == 'U' || c == 'u') && next == '&' && (peek(2) == '\'' || peek(2) == '"')) {
      m_pos += 2;
      if (m_text[m_pos] == '"') {
        skip_quoted('"');
      } else {
        skip_string(!m_options.standard_conforming_strings);
      }
      return;
    }
    if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && next == '\'') {
      ++m_pos;
      skip_string(!m_options.standard_conforming_strings);
      return;
    }
    while (m_pos < m_text.size() && is_ident_char(static_cast<unsigned char>(m_text[m_pos]))) {
      ++m_pos;
    }
    const std::string_view word = m_text.substr(start, m_pos - start);
    // psql's rule (psqlscan.l): BEGIN and CASE after the first word open a block that END
    // closes, so that BEGIN ATOMIC ... END routine bodies keep their semicolons.
    if (m_words.count > 0 && (iequals(word, "begin") || iequals(word, "case"))) {
      ++m_begin_depth;
    } else if (iequals(word, "end") && m_begin_depth > 0) {
      --m_begin_depth;
    }
    if (iequals(word, "and") || iequals(word, "or")) {
      m_nesting.separator();
    } else if (iequals(word, "not") || iequals(word, "case") || iequals(word, "select")) {
      m_nesting.link();
    }
    m_words.add(word);
  }

  // A psql meta-command runs to the end of the line. \g, \gset, \gx, \gexec, \gdesc, \watch and
  // \crosstabview send the query buffer, so they end the statement like ';'.
  void meta_command() {
    const std::size_t start = m_pos;
    skip_line();
    const std::string_view cmd = m_text.substr(start, m_pos - start);
    if (m_options.meta_commands != nullptr) m_options.meta_commands->push_back({start, m_pos, 0});
    const bool sends = cmd.size() > 1 && (cmd[1] == 'g' || cmd.substr(0, 6) == "\\watch" ||
                                          cmd.substr(0, 13) == "\\crosstabview");
    if (sends && m_in_statement) {
      finish_statement(start);
      after_statement();
    }
  }

  void finish_statement(std::size_t end) {
    if (!m_in_statement) return;
    std::size_t e = end;
    while (e > m_start && ascii::is_space(static_cast<unsigned char>(m_text[e - 1]))) --e;
    m_chunks.push_back({m_start, e, m_nesting.max});
    m_last = m_chunks.back();
  }

  // State that one statement leaves for the next: the string rules and COPY's inline data.
  void after_statement() {
    if (m_words.first_is("set") || (m_words.first_is("reset"))) update_conforming_strings();
    if (m_options.psql_meta_commands && m_words.first_is("copy") && m_words.has_from_stdin) {
      skip_copy_data();
    }
    m_in_statement = false;
    m_paren_depth = 0;
    m_begin_depth = 0;
    m_words = Words{};
    m_nesting = Nesting{};
  }

  // SET [SESSION|LOCAL] standard_conforming_strings {TO|=} {on|off|true|false|'..'|1|0}; RESET.
  void update_conforming_strings() {
    const std::string_view stmt = m_text.substr(m_last.begin, m_last.end - m_last.begin);
    std::string lower;
    lower.reserve(stmt.size());
    for (const char ch : stmt) {
      if (ch != '\'' && !ascii::is_space(static_cast<unsigned char>(ch))) {
        lower.push_back(ascii::to_lower(ch));
      }
    }
    const std::string_view key = "standard_conforming_strings";
    const auto at = lower.find(key);
    if (at == std::string::npos) return;
    if (lower.rfind("reset", 0) == 0) {
      m_options.standard_conforming_strings = true;
      return;
    }
    std::string_view value = std::string_view(lower).substr(at + key.size());
    if (value.rfind("to", 0) == 0) value.remove_prefix(2);
    if (value.rfind('=', 0) == 0) value.remove_prefix(1);
    if (value == "off" || value == "false" || value == "0" || value == "of" || value == "f") {
      m_options.standard_conforming_strings = false;
    } else if (value == "on" || value == "true" || value == "1" || value == "default" ||
               value == "t") {
      m_options.standard_conforming_strings = true;
    }
  }

  void skip_copy_data() {
    skip_line();  // the rest of the COPY line
    while (m_pos < m_text.size()) {
      const std::size_t start = m_pos;
      skip_line();
      std::string_view line = m_text.substr(start, m_pos - start);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
      if (line == "\\.") return;
    }
  }

  std::string_view m_text;
  SplitOptions& m_options;
  std::size_t m_pos = 0;
  std::size_t m_start = 0;
  bool m_in_statement = false;
  int m_paren_depth = 0;
  int m_begin_depth = 0;
  Words m_words;
  Nesting m_nesting;
  Chunk m_last;
  std::vector<Chunk> m_chunks;
  std::vector<std::pair<std::size_t, std::size_t>>*
      m_literals;  // literal_shape: where constants are

 public:
  bool m_unshaped = false;  // literal_shape: a constant whose value could matter to the lexer
};

}  // namespace

std::vector<Chunk> split_statements(std::string_view text, SplitOptions& options) {
  return Splitter(text, options).run();
}

bool contains_folded(std::string_view text, std::string_view lower) {
  if (lower.empty()) return true;
  if (text.size() < lower.size()) return false;
  const char first = lower.front();
  const char first_upper = ascii::to_upper(first);
  for (std::size_t i = 0, last = text.size() - lower.size(); i <= last; ++i) {
    if (text[i] != first && text[i] != first_upper) continue;
    std::size_t k = 1;
    while (k < lower.size() && ascii::to_lower(text[i + k]) == lower[k]) ++k;
    if (k == lower.size()) return true;
  }
  return false;
}

namespace {

// The chunk's first keyword, lower case, past spaces, comments and opening parentheses.
std::string leading_keyword(std::string_view chunk) {
  std::size_t p = 0;
  while (p < chunk.size()) {
    const char c = chunk[p];
    if (ascii::is_space(static_cast<unsigned char>(c)) || c == '(') {
      ++p;
    } else if (chunk.substr(p, 2) == "--") {
      const auto nl = chunk.find_first_of("\r\n", p);
      p = nl == std::string_view::npos ? chunk.size() : nl + 1;
    } else if (chunk.substr(p, 2) == "/*") {
      int depth = 0;
      while (p < chunk.size()) {
        if (chunk.substr(p, 2) == "/*") {
          ++depth;
          p += 2;
        } else if (chunk.substr(p, 2) == "*/") {
          p += 2;
          if (--depth == 0) break;
        } else {
          ++p;
        }
      }
    } else {
      break;
    }
  }
  std::string word;
  while (p < chunk.size() && ascii::is_alpha(static_cast<unsigned char>(chunk[p]))) {
    word.push_back(ascii::to_lower(chunk[p++]));
  }
  return word;
}

// Only a query's or a row change's constants are values and nothing else: an EXPLAIN's options
// (ANALYZE 'off'), a utility statement's settings and the string after UESCAPE (read by the
// lexer) are not.
bool shapeable(std::string_view chunk) {
  const std::string first = leading_keyword(chunk);
  const bool query = first == "select" || first == "with" || first == "values" || first == "table" ||
                     first == "insert" || first == "update" || first == "delete";
  return query && !contains_folded(chunk, "uescape");
}

}  // namespace

std::string literal_shape(std::string_view chunk) {
  if (!shapeable(chunk)) return {};
  std::vector<std::pair<std::size_t, std::size_t>> literals;
  SplitOptions options;  // standard_conforming_strings on
  Splitter splitter(chunk, options, &literals);
  splitter.run();
  if (literals.empty() || splitter.m_unshaped || !options.standard_conforming_strings) return {};
  std::string shape;
  shape.reserve(chunk.size());
  std::size_t at = 0;
  for (const auto& [begin, end] : literals) {
    shape.append(chunk.substr(at, begin - at));
    // A string and a number are told apart: the grammar reads them differently (-5 is one
    // constant, -'5' applies the operator - to a string).
    shape.push_back(chunk[begin] == '\'' ? '\x02' : '\x01');
    at = end;
  }
  shape.append(chunk.substr(at));
  return shape;
}

}  // namespace pgwarden::sql
