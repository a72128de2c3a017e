// hook/shell parser: tokens to a tree, by recursive descent over the POSIX "Shell Grammar"
// (XCU 2.10: https://pubs.opengroup.org/onlinepubs/9799919799/utilities/V3_chap02.html#tag_19_10)
// with bash's compound commands ([[ ]], (( )), `function`, `select`, arithmetic `for`).
//
// Reserved words are recognised the way POSIX says: only as a plainly written word where a
// command may start (and `in`, `do`, `esac` where the grammar expects them), so `echo if fi`
// is a simple command. One token of lookahead; every compound command, like every
// substitution in the lexer, takes one level of Nesting, so recursion stays under k_max_depth.
#include <algorithm>

#include "hook/shell_internal.hpp"

namespace pgwarden::hook::shell {

bool Word::known() const {
  return std::all_of(parts.begin(), parts.end(),
                     [](const WordPart& p) { return p.kind == WordPart::Kind::literal; });
}

std::optional<std::string> Word::value() const {
  if (!known()) return std::nullopt;
  std::string out;
  for (const WordPart& p : parts) out += p.text;
  return out;
}

std::string Word::text() const {
  std::string out;
  for (const WordPart& p : parts) out += p.kind == WordPart::Kind::literal ? p.text : p.source;
  return out;
}

namespace detail {

namespace {

bool is_name(std::string_view s) {
  return !s.empty() && is_name_start(s[0]) &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_name_char(c); });
}

bool is_op(const Token& t, Op op) {
  return t.kind == TokenKind::op && t.op == op;
}

// The value of NAME=value: the word without its plainly written NAME= prefix.
Word assigned_value(Word word, std::size_t prefix, std::size_t begin) {
  if (!word.parts.empty() && word.parts[0].kind == WordPart::Kind::literal) {
    WordPart& first = word.parts[0];
    first.text.erase(0, std::min(prefix, first.text.size()));
    first.source.erase(0, std::min(prefix, first.source.size()));
    if (first.text.empty() && word.parts.size() > 1) word.parts.erase(word.parts.begin());
  }
  word.begin = begin;
  return word;
}

// `for NAME` without `in`: the loop runs over "$@".
Word all_arguments(std::size_t at) {
  WordPart part;
  part.kind = WordPart::Kind::parameter;
  part.text = "@";
  part.source = "\"$@\"";
  part.quoted = true;
  Word word;
  word.parts.push_back(std::move(part));
  word.begin = word.end = at;
  return word;
}

Script single_command(Command command) {
  Pipeline pipeline;
  pipeline.commands.push_back(std::move(command));
  AndOr and_or;
  and_or.pipelines.push_back(std::move(pipeline));
  Script script;
  script.items.push_back(std::move(and_or));
  return script;
}

}  // namespace

Parser::Parser(Lexer& lexer)
    : m_lexer(lexer), m_ctx(lexer.context()), m_floor(lexer.pending_heredocs()) {}

const Token& Parser::peek() {
  if (!m_peeked) m_peeked = m_lexer.next(m_mode, m_floor);
  return *m_peeked;
}

Token Parser::take() {
  peek();
  Token t = std::move(*m_peeked);
  m_peeked.reset();
  if (t.kind != TokenKind::newline && t.kind != TokenKind::end) m_last_end = t.end;
  return t;
}

bool Parser::is_word(const Token& t, std::string_view text) const {
  return t.kind == TokenKind::word && m_lexer.raw(t) == text;
}

bool Parser::ends_list(const Token& t) const {
  switch (t.kind) {
    case TokenKind::end:
      return true;
    case TokenKind::op:
      return t.op == Op::rparen || t.op == Op::dsemi || t.op == Op::semi_amp ||
             t.op == Op::dsemi_amp;
    case TokenKind::word: {
      const std::string_view w = m_lexer.raw(t);
      return w == "then" || w == "else" || w == "elif" || w == "fi" || w == "do" || w == "done" ||
             w == "esac" || w == "}";
    }
    default:
      return false;
  }
}

void Parser::skip_newlines() {
  while (ok() && peek().kind == TokenKind::newline) take();
}

namespace {
std::string describe(const Lexer& lexer, const Token& t) {
  if (t.kind == TokenKind::end) return "end of input";
  if (t.kind == TokenKind::newline) return "newline";
  std::string_view raw = lexer.raw(t);
  std::string shown(raw.substr(0, 40));
  if (raw.size() > 40) shown += "...";
  return "`" + shown + "`";
}
}  // namespace

void Parser::unexpected(const Token& t) {
  m_ctx.fail(t.begin, "unexpected " + describe(m_lexer, t));
}

bool Parser::expect(std::string_view keyword) {
  const Token& t = peek();
  if (is_word(t, keyword)) {
    take();
    return true;
  }
  if (!ok()) return false;
  std::string message = "missing `" + std::string(keyword) + "`";
  if (t.kind != TokenKind::end) message += " before " + describe(m_lexer, t);
  m_ctx.fail(t.begin, std::move(message));
  return false;
}

bool Parser::nonempty(const Script& body) {
  if (!ok()) return false;
  if (body.items.empty()) {
    unexpected(peek());
    return false;
  }
  return true;
}

Script Parser::parse_program() {
  Script script = parse_list();
  if (ok() && peek().kind != TokenKind::end) unexpected(peek());
  return script;
}

Script Parser::parse_substitution(std::size_t start, bool process) {
  Script script = parse_list();
  if (!ok()) return script;
  const Token& t = peek();
  if (is_op(t, Op::rparen)) {
    take();
  } else if (t.kind == TokenKind::end) {
    m_ctx.fail(start,
               process ? "unterminated process substitution" : "unterminated command substitution");
  } else {
    unexpected(t);
  }
  return script;
}

// and_or ((; | & | newline) and_or)*, up to a token that closes the enclosing construct.
Script Parser::parse_list() {
  Script script;
  ++m_list_depth;
  struct Leave {
    int& depth;
    ~Leave() { --depth; }
  } leave{m_list_depth};
  skip_newlines();
  while (ok() && !ends_list(peek())) {
    AndOr and_or = parse_and_or();
    if (!ok()) break;
    const Token& sep = peek();
    const bool more = sep.kind == TokenKind::newline || is_op(sep, Op::semi) || is_op(sep, Op::amp);
    if (is_op(sep, Op::amp)) and_or.background = true;
    stream(and_or);
    if (!and_or.pipelines.empty()) script.items.push_back(std::move(and_or));
    if (!more) break;
    take();
    skip_newlines();
  }
  return script;
}

AndOr Parser::parse_and_or() {
  AndOr and_or;
  and_or.pipelines.push_back(parse_pipeline());
  stream(and_or);
  while (ok()) {
    const Token& t = peek();
    if (!is_op(t, Op::and_if) && !is_op(t, Op::or_if)) break;
    and_or.connectors.push_back(t.op == Op::and_if ? AndOr::Connector::and_if
                                                   : AndOr::Connector::or_if);
    take();
    skip_newlines();
    and_or.pipelines.push_back(parse_pipeline());
    stream(and_or);
  }
  return and_or;
}

// A top-level and-or list's pipelines go to the sink once no heredoc is waiting for its body;
// a pipeline whose heredoc comes later waits with the ones after it.
void Parser::stream(AndOr& and_or) {
  if (m_sink == nullptr || m_list_depth != 1 || !ok() || m_lexer.pending_heredocs() > 0) return;
  for (Pipeline& pipeline : and_or.pipelines) {
    m_lexer.settle(pipeline);
    (*m_sink)(pipeline);
  }
  and_or.pipelines.clear();
  and_or.connectors.clear();
}

Pipeline Parser::parse_pipeline() {
  Pipeline pipeline;
  while (ok() && is_word(peek(), "!")) {
    take();
    pipeline.negated = !pipeline.negated;
  }
  while (ok()) {
    Command command;
    if (!parse_command(command)) break;
    pipeline.commands.push_back(std::move(command));
    const Token& t = peek();
    if (!is_op(t, Op::pipe) && !is_op(t, Op::pipe_all)) break;
    if (t.op == Op::pipe_all) pipeline.stderr_too = true;
    take();
    skip_newlines();
  }
  return pipeline;
}

bool Parser::parse_command(Command& c) {
  const Token& t = peek();
  if (!ok()) return false;
  if (t.kind == TokenKind::word) {
    const std::string_view w = m_lexer.raw(t);
    if (w == "{") {
      parse_group(c);
    } else if (w == "if") {
      parse_if(c);
    } else if (w == "while") {
      parse_loop(c, Command::Kind::while_loop);
    } else if (w == "until") {
      parse_loop(c, Command::Kind::until_loop);
    } else if (w == "for" || w == "select") {
      parse_for(c);
    } else if (w == "case") {
      parse_case(c);
    } else if (w == "function") {
      parse_function(c);
    } else if (w == "[[") {
      parse_test(c);
    } else if (ends_list(t)) {
      unexpected(t);
      return false;
    } else {
      parse_simple(c);
      return ok();
    }
  } else if (is_op(t, Op::lparen)) {
    parse_paren(c);
  } else if (t.kind == TokenKind::redirect) {
    parse_simple(c);
    return ok();
  } else {
    unexpected(t);
    return false;
  }
  if (!ok()) return false;
  parse_redirects(c);
  c.end = m_last_end;
  return ok();
}

void Parser::parse_simple(Command& c) {
  c.kind = Command::Kind::simple;
  c.begin = peek().begin;
  c.words.reserve(4);
  while (ok()) {
    const Token& t = peek();
    if (t.kind == TokenKind::redirect) {
      parse_redirect(c);
      continue;
    }
    if (t.kind != TokenKind::word) break;
    if (c.words.empty() && t.assign_len > 0) {
      Token w = take();
      const std::string_view raw = m_lexer.raw(w);
      const std::size_t eq = w.assign_len - 1;
      Assignment a;
      a.append = eq > 0 && raw[eq - 1] == '+';
      a.name = std::string(raw.substr(0, a.append ? eq - 1 : eq));
      a.value = assigned_value(std::move(w.word), w.assign_len, w.value_begin);
      a.value.end = w.end;
      a.array = w.array;
      a.elements = std::move(w.elements);
      c.assignments.push_back(std::move(a));
      continue;
    }
    c.words.push_back(take().word);
    if (c.words.size() == 1 && c.assignments.empty() && c.redirects.empty() &&
        is_op(peek(), Op::lparen)) {  // name() compound-command
      c.name = c.words[0].text();
      c.words.clear();
      take();
      if (!is_op(peek(), Op::rparen)) {
        if (ok()) m_ctx.fail(peek().begin, "expected `)` after `" + c.name + "(`");
        return;
      }
      take();
      parse_function_body(c, c.begin);
      return;
    }
  }
  c.end = m_last_end;
}

void Parser::parse_function_body(Command& c, std::size_t begin) {
  Nesting nest(m_ctx, begin);
  if (!nest.ok()) return;
  c.kind = Command::Kind::function;
  c.begin = begin;
  skip_newlines();
  const Token& t = peek();
  const std::string_view w = t.kind == TokenKind::word ? m_lexer.raw(t) : std::string_view();
  const bool compound = is_op(t, Op::lparen) || w == "{" || w == "if" || w == "while" ||
                        w == "until" || w == "for" || w == "select" || w == "case" || w == "[[";
  if (!compound) {
    if (ok()) {
      m_ctx.fail(t.begin, "expected a compound command as the body of function `" + c.name + "`");
    }
    return;
  }
  Command body;
  if (!parse_command(body)) return;
  c.bodies.push_back(single_command(std::move(body)));
  c.end = m_last_end;
}

void Parser::parse_function(Command& c) {
  const Token kw = take();
  const Token& n = peek();
  if (n.kind != TokenKind::word) {
    if (ok()) unexpected(n);
    return;
  }
  c.name = take().word.text();
  if (is_op(peek(), Op::lparen)) {
    take();
    if (!is_op(peek(), Op::rparen)) {
      if (ok()) m_ctx.fail(peek().begin, "expected `)` after `" + c.name + "(`");
      return;
    }
    take();
  }
  parse_function_body(c, kw.begin);
}

void Parser::parse_redirect(Command& c) {
  const Token op = take();
  const Token& t = peek();
  if (t.kind != TokenKind::word) {
    if (ok()) {
      m_ctx.fail(t.begin, "expected a word after `" + std::string(m_lexer.raw(op)) + "`, found " +
                              describe(m_lexer, t));
    }
    return;
  }
  const Token w = take();
  Redirect r;
  r.op = op.redirect;
  r.fd = op.fd;
  r.strip_tabs = op.strip_tabs;
  r.target = w.word;
  if (r.op == Redirect::Op::heredoc) {
    const bool quoted = m_lexer.raw(w).find_first_of("'\"\\") != std::string_view::npos;
    m_lexer.add_heredoc(r.target, quoted, r.strip_tabs);
  }
  c.redirects.push_back(std::move(r));
}

void Parser::parse_redirects(Command& c) {
  while (ok() && peek().kind == TokenKind::redirect) parse_redirect(c);
}

void Parser::parse_group(Command& c) {
  Nesting nest(m_ctx, peek().begin);
  if (!nest.ok()) return;
  c.kind = Command::Kind::group;
  c.begin = take().begin;
  Script body = parse_list();
  if (!nonempty(body) || !expect("}")) return;
  c.bodies.push_back(std::move(body));
}

// ( list ), or (( expression )) when the two parentheses are written together and a `))`
// closes them.
void Parser::parse_paren(Command& c) {
  Nesting nest(m_ctx, peek().begin);
  if (!nest.ok()) return;
  const Token open = take();
  c.begin = open.begin;
  if (m_lexer.at(open.pos_end) == '(') {
    const Arithmetic& a = m_lexer.arithmetic(open.pos_end + 1);
    if (!ok()) return;
    if (a.ok) {
      m_lexer.seek(a.end);
      m_last_end = m_lexer.end_offset(open.pos, a.end);
      c.kind = Command::Kind::arithmetic;
      c.words.push_back(a.word);
      return;
    }
  }
  c.kind = Command::Kind::subshell;
  Script body = parse_list();
  if (!nonempty(body)) return;
  const Token& close = peek();
  if (!is_op(close, Op::rparen)) {
    std::string message = "missing `)`";
    if (close.kind != TokenKind::end) message += " before " + describe(m_lexer, close);
    m_ctx.fail(close.begin, std::move(message));
    return;
  }
  take();
  c.bodies.push_back(std::move(body));
}

void Parser::parse_if(Command& c) {
  Nesting nest(m_ctx, peek().begin);
  if (!nest.ok()) return;
  c.kind = Command::Kind::if_clause;
  c.begin = take().begin;
  for (;;) {
    Script condition = parse_list();
    if (!nonempty(condition) || !expect("then")) return;
    Script body = parse_list();
    if (!nonempty(body)) return;
    c.bodies.push_back(std::move(condition));
    c.bodies.push_back(std::move(body));
    if (is_word(peek(), "elif")) {
      take();
      continue;
    }
    if (is_word(peek(), "else")) {
      take();
      Script otherwise = parse_list();
      if (!nonempty(otherwise)) return;
      c.bodies.push_back(std::move(otherwise));
    }
    expect("fi");
    return;
  }
}

void Parser::parse_loop(Command& c, Command::Kind kind) {
  Nesting nest(m_ctx, peek().begin);
  if (!nest.ok()) return;
  c.kind = kind;
  c.begin = take().begin;
  Script condition = parse_list();
  if (!nonempty(condition)) return;
  c.bodies.push_back(std::move(condition));
  parse_do_group(c);
}

bool Parser::parse_do_group(Command& c) {
  if (!expect("do")) return false;
  Script body = parse_list();
  if (!nonempty(body) || !expect("done")) return false;
  c.bodies.push_back(std::move(body));
  return true;
}

// for NAME [in WORD...] ; do ... done, and bash's for (( init; test; step )); do ... done.
void Parser::parse_for(Command& c) {
  Nesting nest(m_ctx, peek().begin);
  if (!nest.ok()) return;
  c.kind = Command::Kind::for_loop;
  c.begin = take().begin;
  const Token& t = peek();
  if (is_op(t, Op::lparen) && m_lexer.at(t.pos_end) == '(') {
    const Token open = take();
    const Arithmetic& a = m_lexer.arithmetic(open.pos_end + 1);
    if (!ok()) return;
    if (!a.ok) {
      m_ctx.fail(open.begin, "expected `((...))` after `for`");
      return;
    }
    m_lexer.seek(a.end);
    m_last_end = m_lexer.end_offset(open.pos, a.end);
    c.words.push_back(a.word);
    if (is_op(peek(), Op::semi)) take();
    skip_newlines();
    parse_do_group(c);
    return;
  }
  if (t.kind != TokenKind::word || !is_name(m_lexer.raw(t))) {
    if (ok()) m_ctx.fail(t.begin, "expected a variable name after `for`");
    return;
  }
  const Token name = take();
  c.name = std::string(m_lexer.raw(name));
  skip_newlines();
  if (is_word(peek(), "in")) {
    take();
    while (ok() && peek().kind == TokenKind::word) c.words.push_back(take().word);
    const Token& sep = peek();
    if (is_op(sep, Op::semi)) {
      take();
    } else if (sep.kind != TokenKind::newline) {
      if (ok()) {
        m_ctx.fail(sep.begin, "expected `;` or a newline after the words of `for`, found " +
                                  describe(m_lexer, sep));
      }
      return;
    }
  } else {
    c.words.push_back(all_arguments(name.end));
    if (is_op(peek(), Op::semi)) take();
  }
  skip_newlines();
  parse_do_group(c);
}

// case WORD in [(] pattern [| pattern]... ) list ;; ... esac; the last arm needs no `;;`.
void Parser::parse_case(Command& c) {
  Nesting nest(m_ctx, peek().begin);
  if (!nest.ok()) return;
  c.kind = Command::Kind::case_clause;
  c.begin = take().begin;
  if (peek().kind != TokenKind::word) {
    if (ok()) m_ctx.fail(peek().begin, "expected a word after `case`");
    return;
  }
  c.words.push_back(take().word);
  skip_newlines();
  if (!expect("in")) return;
  skip_newlines();
  while (ok()) {
    if (is_word(peek(), "esac")) {
      take();
      return;
    }
    if (peek().kind == TokenKind::end) {
      m_ctx.fail(peek().begin, "missing `esac`");
      return;
    }
    if (is_op(peek(), Op::lparen)) take();
    std::vector<Word> patterns;
    for (;;) {
      if (peek().kind != TokenKind::word) {
        if (ok()) unexpected(peek());
        return;
      }
      patterns.push_back(take().word);
      if (!is_op(peek(), Op::pipe)) break;
      take();
    }
    if (!is_op(peek(), Op::rparen)) {
      if (ok())
        m_ctx.fail(peek().begin,
                   "expected `)` after a case pattern, found " + describe(m_lexer, peek()));
      return;
    }
    take();
    Script body = parse_list();
    if (!ok()) return;
    c.patterns.push_back(std::move(patterns));
    c.bodies.push_back(std::move(body));
    const Token& e = peek();
    if (is_op(e, Op::dsemi) || is_op(e, Op::semi_amp) || is_op(e, Op::dsemi_amp)) {
      take();
      skip_newlines();
      continue;
    }
    expect("esac");
    return;
  }
}

// [[ ... ]]: the words up to `]]`, with && || < > ( ) as words of their own.
void Parser::parse_test(Command& c) {
  c.kind = Command::Kind::test;
  c.begin = take().begin;
  bool regex = false;
  while (ok()) {
    m_mode = regex ? Mode::regex : Mode::test;
    const Token& t = peek();
    if (is_word(t, "]]")) {
      take();
      break;
    }
    if (t.kind != TokenKind::word) {
      if (t.kind == TokenKind::end) {
        m_ctx.fail(t.begin, "missing `]]`");
      } else {
        unexpected(t);
      }
      break;
    }
    regex = m_lexer.raw(t) == "=~";
    c.words.push_back(take().word);
  }
  m_mode = Mode::normal;
}

Script parse_buffer(Context& ctx, Buffer buffer) {
  Lexer lexer(ctx, std::move(buffer));
  Parser parser(lexer);
  Script script = parser.parse_program();
  lexer.finish(&script);
  return script;
}

}  // namespace detail

tl::expected<void, ParseError> parse_each(std::string_view input,
                                          const std::function<void(const Pipeline&)>& sink) {
  if (input.size() > k_max_input) {
    return tl::unexpected(ParseError{"input longer than 4 MiB", k_max_input});
  }
  try {
    detail::Context ctx;
    detail::Lexer lexer(ctx, detail::Buffer(input));
    detail::Parser parser(lexer);
    parser.set_sink(&sink);
    Script rest = parser.parse_program();
    lexer.finish(&rest);
    if (ctx.failed()) return tl::unexpected(std::move(*ctx.error));
    for (const AndOr& and_or : rest.items) {
      for (const Pipeline& pipeline : and_or.pipelines) sink(pipeline);
    }
    return {};
  } catch (const std::bad_alloc&) {
    return tl::unexpected(ParseError{"out of memory", 0});
  }
}

tl::expected<Script, ParseError> parse(std::string_view input) {
  if (input.size() > k_max_input) {
    return tl::unexpected(ParseError{"input longer than 4 MiB", k_max_input});
  }
  try {
    detail::Context ctx;
    Script script = detail::parse_buffer(ctx, detail::Buffer(input));
    if (ctx.failed()) return tl::unexpected(std::move(*ctx.error));
    return script;
  } catch (const std::bad_alloc&) {  // parse() is fed by input: it reports, never throws
    return tl::unexpected(ParseError{"out of memory", 0});
  }
}

}  // namespace pgwarden::hook::shell
