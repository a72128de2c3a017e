// hook/shell: a POSIX-sh lexer and parser for the command lines agents and scripts write.
//
// In: one command string, as an agent would hand it to `bash -c`. Out: its syntax tree, with
// every word after quote removal and every part whose value the shell would only know at run
// time (a parameter, a command substitution, a glob) kept as such, so that the judge can tell
// "this is the SQL" from "this SQL is unknown". Heredoc bodies are attached to their redirection.
// Knows nothing of databases or policies. Never executes, expands or reads anything.
//
// The grammar is POSIX sh (XCU 2.x) plus what bash adds and agents use: `$'...'`, `$"..."`,
// here-strings `<<<`, `&>`, `&>>`, `|&`, `[[ ... ]]`, `function name`, process substitution
// `<(...)` / `>(...)`, arrays in assignments. Limits keep it linear and bounded: nesting deeper
// than k_max_depth, or input longer than k_max_input, is a ParseError, never a crash.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace pgwarden::hook::shell {

inline constexpr int k_max_depth = 64;                        // nested $(), (), {}, if, ...
inline constexpr std::size_t k_max_input = 4u * 1024 * 1024;  // bytes

struct Script;

// One piece of a word. The shell concatenates the pieces after expanding them.
struct WordPart {
  enum class Kind : unsigned char {
    literal,     // text known now: unquoted, '...', "..." literal runs, $'...' decoded, \x escapes
    parameter,   // $NAME, ${NAME}, $1, $@, ${NAME:-x} ...: `text` is the name; `source` the whole
    command,     // $(...), `...`, <(...), >(...): `script` is the parsed body
    arithmetic,  // $((...))
    glob,        // unquoted *, ? or [...] (pathname expansion)
    tilde,       // ~ or ~user at the start of an unquoted word
  };
  Kind kind = Kind::literal;
  std::string text;     // literal: the characters; parameter: the name; others: the source text
  std::string source;   // the part exactly as written (with quotes, $, braces)
  bool quoted = false;  // inside double quotes: no field splitting, no globbing
  bool has_operator = false;  // parameter with an operator (${X:-d}, ${#X}, ${X/a/b} ...)
  std::shared_ptr<const Script> script;  // command: the substitution's body
};

struct Word {
  std::vector<WordPart> parts;
  std::size_t begin = 0;  // byte offsets of the word in the input (for heredoc bodies: the body)
  std::size_t end = 0;

  // Every part is a literal: the word's value is known now.
  [[nodiscard]] bool known() const;
  // The value when known(); otherwise std::nullopt.
  [[nodiscard]] std::optional<std::string> value() const;
  // The literal parts concatenated, each unknown part replaced by its source: for display and
  // for matching flags such as `--file=$F` whose prefix is known.
  [[nodiscard]] std::string text() const;
};

struct Assignment {
  std::string name;
  Word value;  // `NAME=(a b)` arrays: one word per element in `elements`
  std::vector<Word> elements;
  bool array = false;
  bool append = false;  // NAME+=value
};

struct Redirect {
  enum class Op : unsigned char {
    input,       // <
    output,      // >
    append,      // >>
    clobber,     // >|
    read_write,  // <>
    dup_input,   // <&
    dup_output,  // >&
    output_all,  // &> (bash)
    append_all,  // &>> (bash)
    heredoc,     // << and <<-
    herestring,  // <<< (bash)
  };
  Op op = Op::input;
  int fd = -1;              // the io number written before the operator; -1 when absent
  Word target;              // the file, fd or here-string word; for a heredoc its delimiter
  Word body;                // heredoc: the body as the program reads it (tabs stripped for <<-);
                            // a quoted delimiter makes it all literal, otherwise it expands
                            // like a double-quoted word ($, ` and \ are special)
  bool strip_tabs = false;  // <<-
};

struct Command {
  enum class Kind : unsigned char {
    simple,       // assignments, words, redirects
    subshell,     // ( script )
    group,        // { script; }
    if_clause,    // bodies: condition, then, [elif-condition, elif-then]..., [else]
    while_loop,   // bodies: condition, body
    until_loop,   // bodies: condition, body
    for_loop,     // name, words (the list; absent: "$@"), bodies: body
    case_clause,  // words[0]: the subject; bodies: one per arm (patterns in `patterns`)
    function,     // name, bodies: the function body (a compound command as a script)
    test,         // [[ ... ]]: words between the brackets (operators kept as literal words)
    arithmetic,   // (( ... )): words[0] the expression as a literal
  };
  Kind kind = Kind::simple;
  std::vector<Assignment> assignments;
  std::vector<Word> words;
  std::vector<Redirect> redirects;
  std::vector<Script> bodies;
  std::vector<std::vector<Word>> patterns;  // case_clause: one list per arm
  std::string name;                         // for_loop variable, function name
  std::size_t begin = 0;                    // byte offsets of the command in the input
  std::size_t end = 0;
};

struct Pipeline {
  std::vector<Command> commands;  // command i's standard output feeds command i+1's input
  bool negated = false;           // ! pipeline
  bool stderr_too = false;        // |& somewhere (bash): stderr joins the pipe
};

// pipelines joined by && and ||; `connectors[i]` sits between pipelines i and i+1.
struct AndOr {
  enum class Connector : unsigned char { and_if, or_if };
  std::vector<Pipeline> pipelines;
  std::vector<Connector> connectors;
  bool background = false;  // ended by &
};

// A list: items separated by ;, & or newlines.
struct Script {
  std::vector<AndOr> items;
};

struct ParseError {
  std::string message;
  std::size_t offset = 0;  // byte offset in the input where parsing failed
};

// Parses `input` whole. A syntax error (an unterminated quote or substitution, an unmatched
// `)`, a missing `fi`/`done`/`esac`), nesting deeper than k_max_depth or input longer than
// k_max_input is a ParseError. A heredoc whose delimiter never comes ends at the end of the
// input, as bash does (with a warning there).
tl::expected<Script, ParseError> parse(std::string_view input);

// The same parse, streamed: each top-level pipeline is handed to `sink`, in order, as soon as
// it is complete (its heredocs read), and then dropped, so memory holds one pipeline rather
// than the whole tree (a 1 MB `a && b && ...` chain). On a ParseError the pipelines before the
// error have been handed over already.
tl::expected<void, ParseError> parse_each(std::string_view input,
                                          const std::function<void(const Pipeline&)>& sink);

// `word` written so that sh reads it back as this one word: as is when it holds nothing the
// shell splits or expands, otherwise in single quotes.
std::string quote(std::string_view word);
// `words` quoted and joined with spaces: the command line that runs this argument vector.
std::string join(const std::vector<std::string>& words);

}  // namespace pgwarden::hook::shell
