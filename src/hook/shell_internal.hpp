// hook/shell internals: the lexer and the parser behind shell::parse, shared by shell_lexer.cpp
// and shell_parser.cpp. Not part of the component's interface.
//
// The two call each other, as the shell's grammar requires: the parser asks the lexer for
// tokens, and the lexer, on meeting `$(`, `<(` or `>(` inside a word, runs a parser over the same
// text to find where the substitution ends (its matching `)` is the one the grammar says, not
// the one a parenthesis count says). A backquoted body and a heredoc body are first rewritten
// (escapes removed, tabs stripped) into a derived Buffer that maps each byte back to the input,
// so every offset in the tree points into the caller's string.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/ascii.hpp"
#include "hook/shell.hpp"

namespace pgwarden::hook::shell::detail {

// The state every lexer and parser of one parse() call shares: the first error, which stops
// everything, and the nesting depth.
struct Context {
  std::optional<ParseError> error;
  int depth = 0;

  [[nodiscard]] bool failed() const { return error.has_value(); }
  void fail(std::size_t offset, std::string message) {
    if (!error) error = ParseError{std::move(message), offset};
  }
};

// One level of nesting for as long as it lives; past k_max_depth the parse fails.
class Nesting {
 public:
  Nesting(Context& ctx, std::size_t offset);
  ~Nesting() { --m_ctx.depth; }
  Nesting(const Nesting&) = delete;
  Nesting& operator=(const Nesting&) = delete;
  [[nodiscard]] bool ok() const { return !m_ctx.failed(); }

 private:
  Context& m_ctx;
};

// From buffer position `pos` on, the text continues the input at `offset`.
struct Run {
  std::size_t pos = 0;
  std::size_t offset = 0;
};

// The text one lexer reads: the input itself, or text derived from it with a map back.
class Buffer {
 public:
  explicit Buffer(std::string_view input) : m_view(input) {}
  Buffer(std::string text, std::vector<Run> runs, std::size_t origin)
      : m_owned(std::move(text)), m_runs(std::move(runs)), m_origin(origin), m_derived(true) {}

  [[nodiscard]] std::string_view text() const { return m_derived ? m_owned : m_view; }
  // The input offset of buffer position `pos`.
  [[nodiscard]] std::size_t offset(std::size_t pos) const;
  // Appends [from, to) of this buffer to `out`, recording in `runs` where it came from.
  void copy(std::size_t from, std::size_t to, std::string& out, std::vector<Run>& runs) const;

 private:
  std::string m_owned;
  std::string_view m_view;
  std::vector<Run> m_runs;
  std::size_t m_origin = 0;  // the offset of an empty derived text
  bool m_derived = false;
};

enum class TokenKind : unsigned char { word, op, redirect, newline, end };

enum class Op : unsigned char {
  none,
  and_if,     // &&
  or_if,      // ||
  pipe,       // |
  pipe_all,   // |&
  amp,        // &
  semi,       // ;
  dsemi,      // ;;
  semi_amp,   // ;&
  dsemi_amp,  // ;;&
  lparen,     // (
  rparen,     // )
};

// normal: the shell's tokens; test: inside [[ ]], where operators are words and newlines are
// blanks; regex: the word after `=~`, where ( ) | belong to the word.
enum class Mode : unsigned char { normal, test, regex };

struct Token {
  TokenKind kind = TokenKind::end;
  Op op = Op::none;
  Redirect::Op redirect = Redirect::Op::input;
  bool strip_tabs = false;  // <<-
  int fd = -1;              // io number before a redirection operator
  std::size_t pos = 0;      // [pos, pos_end) in the lexer's buffer
  std::size_t pos_end = 0;
  std::size_t begin = 0;  // [begin, end) in the input
  std::size_t end = 0;
  Word word;
  std::size_t assign_len = 0;   // length of a leading NAME= / NAME+= written plainly, else 0
  std::size_t value_begin = 0;  // input offset just after that `=`
  bool array = false;           // NAME=( ... ): `elements` holds the words
  std::vector<Word> elements;
};

// What a substitution parsed once turned into, so that re-reading the same text (after `$((`
// turned out not to be arithmetic) neither repeats the work nor its side effects.
struct Substitution {
  std::size_t end = 0;  // buffer position after the closing ) or `
  std::shared_ptr<const Script> script;
};
struct Arithmetic {
  bool ok = false;
  std::size_t close = 0;  // position of the first `)` of `))`
  std::size_t end = 0;    // position after `))`
  Word word;
};

// Byte classes (as ints, so that -1 is the end of the buffer; a byte of a signed char above
// 0x7f is negative too, and neither is in any class).
inline bool is_blank(int c) {
  return c == ' ' || c == '\t';
}
inline bool is_digit(int c) {
  return c >= 0 && ascii::is_digit(static_cast<unsigned char>(c));
}
// The first byte of a shell variable's name, then the rest.
inline bool is_name_start(int c) {
  return c >= 0 && (ascii::is_alpha(static_cast<unsigned char>(c)) || c == '_');
}
inline bool is_name_char(int c) {
  return is_name_start(c) || is_digit(c);
}
// Ends an unquoted word.
inline bool is_break(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '&' || c == '|' || c == ';' || c == '<' ||
         c == '>' || c == '(' || c == ')';
}

// A word's parts as they are read, each with its range in the buffer (which becomes its
// `source`). Adjacent literals with the same quoting are joined.
class PartsBuilder {
 public:
  explicit PartsBuilder(std::string_view text) : m_text(text) {}

  void literal(std::string_view s, bool quoted, std::size_t from, std::size_t to);
  void push(WordPart part, std::size_t from, std::size_t to);
  void saw_quotes() { m_quotes = true; }
  std::vector<WordPart> finish();

 private:
  using Range = std::pair<std::size_t, std::size_t>;
  Range& raw(std::size_t i) { return i == 0 ? m_first : m_rest[i - 1]; }

  std::string_view m_text;
  std::vector<WordPart> m_parts;
  Range m_first;              // the first part's range: most words have one part
  std::vector<Range> m_rest;  // the others'
  bool m_quotes = false;
};

class Lexer {
 public:
  Lexer(Context& ctx, Buffer buffer);
  Lexer(const Lexer&) = delete;
  Lexer& operator=(const Lexer&) = delete;

  // The next token. A newline token first reads the bodies of the heredocs registered at index
  // `floor` and later (those of the parser asking).
  Token next(Mode mode, std::size_t floor);

  [[nodiscard]] Context& context() const { return m_ctx; }
  [[nodiscard]] std::string_view raw(const Token& t) const {
    return m_text.substr(t.pos, t.pos_end - t.pos);
  }
  // The byte at `pos`, or -1 past the end.
  [[nodiscard]] int at(std::size_t pos) const {
    return pos < m_end ? static_cast<unsigned char>(m_text[pos]) : -1;
  }
  // `pos`, moved past any line continuations (backslash-newline) that start there.
  [[nodiscard]] std::size_t skip(std::size_t pos) const;
  [[nodiscard]] std::size_t offset(std::size_t pos) const { return m_buffer.offset(pos); }
  [[nodiscard]] std::size_t end_offset(std::size_t begin, std::size_t end) const;
  void seek(std::size_t pos) { m_pos = pos; }
  [[nodiscard]] std::size_t pending_heredocs() const { return m_pending.size(); }

  // `((` ... `))` whose expression starts at `pos`; on failure the position is unchanged.
  const Arithmetic& arithmetic(std::size_t pos);
  // Registers a heredoc: its body is read after the next newline token.
  void add_heredoc(const Word& delimiter, bool quoted, bool strip_tabs);
  // At the end of the buffer: heredocs still waiting get an empty body; every heredoc
  // redirection in `script` and in the substitutions read here receives its body.
  void finish(Script* script);
  // The body of a heredoc, lexed as a word that expands like a double-quoted string.
  Word heredoc_word();
  // With no heredoc waiting: gives `pipeline`, and the substitutions read so far, their heredoc
  // bodies now, and forgets those substitutions (a streaming parse hands the pipeline on).
  void settle(Pipeline& pipeline);

 private:
  struct PendingHeredoc {
    std::size_t key = 0;  // input offset of the delimiter word
    std::string delimiter;
    bool quoted = false;
    bool strip_tabs = false;
  };
  using Parts = PartsBuilder;

  [[nodiscard]] int peek();
  void skip_blanks_and_comment(Mode mode);
  Token make(TokenKind kind, std::size_t from);
  Token lex_operator(Mode mode, std::size_t from, int fd);
  Token lex_word(Mode mode, std::size_t from);
  void lex_array(Token& t, std::size_t open);
  void lex_unquoted(Parts& b, Mode mode, bool tilde_ok);
  void lex_single(Parts& b);
  void lex_double(Parts& b, bool heredoc, std::size_t start);
  void lex_brace_rest(Parts& b, bool quoted, std::size_t start);
  void lex_escape(Parts& b);
  // At `c` (m_pos): a backslash escape, "...", $... or `...` is read into `b` (true);
  // anything else is left for the caller (false).
  bool lex_quote_or_expansion(Parts& b, int c, bool quoted);
  void lex_dollar(Parts& b, bool quoted);
  void lex_ansi_c(Parts& b, std::size_t start);
  void lex_parameter_braced(Parts& b, bool quoted, std::size_t start);
  void lex_substitution(Parts& b, bool quoted, std::size_t start, std::size_t body, bool process);
  void lex_backquote(Parts& b, bool quoted);
  bool lex_bracket(Parts& b);
  void push_glob(Parts& b, std::size_t p, std::size_t end);
  bool lex_brace_expansion(Parts& b);
  bool lex_tilde(Parts& b);
  void read_heredocs(std::size_t floor);
  void read_heredoc(const PendingHeredoc& h);
  std::shared_ptr<const Script> merge_scripts(const std::vector<WordPart>& parts);
  void fill(Script& script);
  void fill(Command& command);

  Context& m_ctx;
  Buffer m_buffer;
  std::string_view m_text;
  std::size_t m_pos = 0;
  std::size_t m_end = 0;
  std::size_t m_no_bracket_before = 0;  // a `[` before here has no closing `]` in its word
  std::vector<PendingHeredoc> m_pending;
  std::unordered_map<std::size_t, Word> m_bodies;  // heredoc bodies by delimiter offset
  std::vector<std::shared_ptr<Script>> m_units;    // substitution bodies parsed here
  std::unordered_map<std::size_t, Substitution> m_substitutions;  // by body position
  std::unordered_map<std::size_t, Arithmetic> m_arithmetic;       // by expression position
};

class Parser {
 public:
  explicit Parser(Lexer& lexer);

  // The whole buffer as one script. With a sink, each complete top-level pipeline goes to the
  // sink instead, as soon as its heredocs are read; the script keeps what never completed.
  Script parse_program();
  using Sink = std::function<void(const Pipeline&)>;
  void set_sink(const Sink* sink) { m_sink = sink; }
  // A substitution's body, up to and including its `)`; `start` is where `$(` began.
  Script parse_substitution(std::size_t start, bool process);

 private:
  const Token& peek();
  Token take();
  [[nodiscard]] bool ok() const { return !m_ctx.failed(); }
  [[nodiscard]] bool is_word(const Token& t, std::string_view text) const;
  [[nodiscard]] bool ends_list(const Token& t) const;
  void skip_newlines();
  void unexpected(const Token& t);
  bool expect(std::string_view keyword);
  bool nonempty(const Script& body);

  Script parse_list();
  AndOr parse_and_or();
  void stream(AndOr& and_or);
  Pipeline parse_pipeline();
  bool parse_command(Command& c);
  void parse_simple(Command& c);
  void parse_function_body(Command& c, std::size_t begin);
  void parse_redirect(Command& c);
  void parse_redirects(Command& c);
  void parse_group(Command& c);
  void parse_paren(Command& c);
  void parse_if(Command& c);
  void parse_loop(Command& c, Command::Kind kind);
  void parse_for(Command& c);
  void parse_case(Command& c);
  void parse_function(Command& c);
  void parse_test(Command& c);
  bool parse_do_group(Command& c);
  std::optional<Word> try_arithmetic(const Token& open);

  Lexer& m_lexer;
  Context& m_ctx;
  std::optional<Token> m_peeked;
  std::size_t m_floor;  // heredocs from this index on belong to this parser
  Mode m_mode = Mode::normal;
  std::size_t m_last_end = 0;    // input offset after the last token taken
  const Sink* m_sink = nullptr;  // parse_program's streaming sink
  int m_list_depth = 0;          // nested parse_list calls: 1 is the top level
};

// Parses a derived buffer (a backquoted body) as a script of its own.
Script parse_buffer(Context& ctx, Buffer buffer);

}  // namespace pgwarden::hook::shell::detail
