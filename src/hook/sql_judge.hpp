// The SQL a shell command runs, judged by the policy engine: a database tool's SQL strings,
// files and standard input (psql's -c, -f, stdin, \i includes, \! escapes), and whether it goes
// on after a failed statement (what a statement creates may then never have existed for the
// next). The shell walk (judge.cpp) finds the SQL; SqlJudge judges it, with the unit state the
// statements of one command string share.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "hook/judge.hpp"
#include "hook/outcome.hpp"
#include "hook/tools.hpp"
#include "policy/policy.hpp"
#include "policy/unit_state.hpp"

namespace pgwarden::hook {

// What a command reads: a file, its standard input.
struct Input {
  enum class Kind : unsigned char { none, text, unknown } kind = Kind::none;
  std::string text;    // Kind::text
  std::string origin;  // "a heredoc", "drop.sql", "the output of curl ..."
};
Input unknown_input(std::string origin);
Input text_input(std::string text, std::string origin);

// The first line of `s`, at most `max` characters, marked where cut.
std::string shorten(std::string_view s, std::size_t max = 120);
// The hook's verdict for a policy decision (`approve` is a human's to give: ask).
Verdict verdict_of(policy::Decision d);

class SqlJudge {
 public:
  // What the shell walk provides: where reasons go, how a file a command names is read, how a
  // shell command (psql's \!) is judged.
  struct Walk {
    std::function<void(Reason)> add;
    std::function<Input(const Arg&)> file;
    std::function<void(std::string_view, int)> script;
  };
  SqlJudge(const policy::Policy& policy, const JudgeOptions& options, Walk walk)
      : m_policy(policy), m_options(options), m_walk(std::move(walk)) {}

  // The SQL an invocation of a database tool runs, from where `rule.sql` says it takes it;
  // `standard_input` works out what the command reads there, only when it does.
  void sources(const ToolRule& rule, const Invocation& inv, const std::function<Input()>& standard_input,
               std::string_view segment, int depth);

 private:
  void input(const Input& in, std::string_view segment, int depth);
  void text(const Arg& value, const std::string& origin, std::string_view segment, int depth);
  void unknown(std::string_view segment, std::string what);
  void judge(std::string_view text, const std::string& origin, std::string_view segment, int depth);
  void meta_commands(std::string_view text, const std::string& origin, std::string_view segment, int depth);
  void ask(std::string command, std::string what, std::string alternative, const char* rule);

  const policy::Policy& m_policy;
  const JudgeOptions& m_options;
  Walk m_walk;
  policy::UnitState m_unit;
  bool m_continues = false;  // the SQL being judged runs on after a failed statement
};

}  // namespace pgwarden::hook
