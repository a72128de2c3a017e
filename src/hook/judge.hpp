// hook/judge: one command string in, one Outcome out.
//
// The string is parsed as a shell script (hook/shell.hpp). Every simple command of every list,
// pipeline, compound command and command substitution is judged on its own, so one segment
// never whitelists another. Wrappers are unwrapped (hook/wrappers.hpp) up to `max_depth`
// levels; the database tools of hook/data/ are matched (hook/tools.hpp); the SQL the command
// would run (psql -c, -f FILE, < FILE, heredocs, here-strings, echo ... | psql, \i FILE, ...)
// is analyzed and evaluated exactly as `check` does, the whole command string being one unit.
//
// Fails closed on databases and open elsewhere: SQL that cannot be known now (a variable, a
// missing file, a program's output), a command that cannot be parsed or nests too deeply, are
// "ask" when the command touches a database tool, and pass when it does not.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "hook/outcome.hpp"
#include "policy/policy.hpp"

namespace pgwarden::hook {

struct JudgeOptions {
  std::filesystem::path cwd;  // where relative SQL and script files are read
  int max_depth = 8;          // wrappers and nested scripts
  std::size_t max_file_bytes = std::size_t{1} << 20;
};

// True when a word of `text` names a database tool of hook/data/programs.tsv: what decides,
// where the hook cannot judge (an unparsable command, an unloadable policy), whether to refuse.
bool touches_database(std::string_view text);

Outcome judge(std::string_view command, const policy::Policy& policy, const JudgeOptions& options);

}  // namespace pgwarden::hook
