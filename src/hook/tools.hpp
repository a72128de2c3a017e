// hook/tools: the database tools the hook knows and what of theirs destroys data, as data
// (data/programs.tsv, data/rules.tsv, data/consent.tsv, compiled into the binary), and the
// matching of an argument vector against them.
#pragma once

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sql/action.hpp"

namespace pgwarden::hook {

// One argument as the program will receive it: `value` when the hook can know it now, otherwise
// std::nullopt (a variable, a command substitution, a glob) with `text` as written.
struct Arg {
  std::optional<std::string> value;
  std::string text;

  static Arg known(std::string v) { return Arg{v, std::move(v)}; }
  [[nodiscard]] bool is(std::string_view s) const { return value && *value == s; }
};
using Argv = std::vector<Arg>;

struct Program {
  std::string name;
  std::vector<std::string> names;
  std::vector<std::string> implied;  // "docker-compose" stands for "docker compose": {"compose"}
  bool tasks = false;                // a rule's word may be any positional argument
  std::vector<std::string> value_options;
  std::vector<std::string> help_options;
};

struct SqlSource {
  std::vector<std::string> text_options;  // the option's value is SQL
  std::vector<std::string> file_options;  // the option's value names a SQL file
  enum class Stdin : unsigned char { never, by_default, always, with_flag } stdin = Stdin::never;
  std::string stdin_flag;
};

struct ToolRule {
  std::string id;
  const Program* program = nullptr;
  std::vector<std::vector<std::string>> words;     // per position, alternative globs
  std::vector<std::vector<std::string>> required;  // all groups must be present; each group any of
  std::vector<std::string> unless;
  enum class Effect : unsigned char { action, ask, sql } effect = Effect::action;
  sql::Action action = sql::Action::read;
  SqlSource sql;
  std::string reason;
  std::string alternative;
};

// An argument vector read with a program's options: which are positional, which are options.
// Positionals point into the argument vector read and into `implied`: moved, never copied.
struct Invocation {
  Invocation() = default;
  Invocation(Invocation&&) = default;
  Invocation(const Invocation&) = delete;
  Invocation& operator=(const Invocation&) = delete;
  const Program* program = nullptr;
  std::vector<const Arg*> positionals;
  struct Option {
    std::string name;            // "--file", "-f"
    const Arg* value = nullptr;  // its value when the option takes one (nullptr: missing)
    std::string inline_value;    // "--file=x" / "-fx": the value written in the same argument
    bool has_inline = false;
  };
  std::vector<Option> options;
  std::deque<Arg> implied;  // the words a program's name stands for; positionals point here

  [[nodiscard]] bool has(std::string_view option) const;
};

// The tool `argv0` (a path or a name) is, or nullptr.
const Program* find_program(std::string_view argv0);
// Reads args[1..] of `argv` as `program`'s.
Invocation read_invocation(const Program& program, std::span<const Arg> argv);
// The first rule of rules.tsv that `invocation` matches, or nullptr (nothing the hook knows).
const ToolRule* match_rule(const Invocation& invocation);

// Consent written into a command (data/consent.tsv): the environment variables and options of
// `invocation` that pretend to approve it, for the answer to name them.
std::vector<std::string> written_consent(const Invocation& invocation,
                                         std::span<const std::pair<std::string, std::string>> env);

// For tests and docs: every rule, in order.
std::span<const ToolRule> all_rules();
std::span<const Program> all_programs();

}  // namespace pgwarden::hook
