// hook/wrappers: commands that run another command. `sudo -u postgres psql ...`,
// `bash -lc '...'`, `docker compose exec db psql ...`, `npx prisma ...`: the hook judges what
// they run, one level per call; the judge calls again on the result, up to its depth limit.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hook/tools.hpp"

namespace pgwarden::hook {

struct Unwrapped {
  enum class Kind : unsigned char {
    none,            // not a wrapper (or a wrapper with nothing to run, e.g. an interactive ssh)
    argv,            // runs `argv`
    script,          // runs the shell text `script` (bash -c, eval, ssh host 'cmd', watch 'cmd')
    script_file,     // runs the shell script file named by `script` (bash deploy.sh)
    stdin_script,    // runs the shell text it reads on standard input (bash, bash -s, sh)
    package_script,  // npm run NAME, yarn NAME ...: the script `script` of the nearest
                     // package.json (from `directory` when given), with argv[1..] appended;
                     // without such a script, `argv` itself when `or_program`
  };
  Kind kind = Kind::none;
  std::string wrapper;  // what was unwrapped, for messages: "sudo", "bash -c", "docker exec"
  Argv argv;
  Arg script;
  std::vector<std::pair<std::string, std::string>> env;  // NAME=value set for the inner command
  bool appends_unknown = false;  // xargs: the inner command gets more arguments from stdin
  std::string directory;         // package_script: --prefix / --cwd / -C, as written
  bool or_program = false;       // package_script: `yarn prisma ...` may be the binary too
};

// Whether `argv0` (a path or a name) is a program unwrap() looks into.
bool is_wrapper(std::string_view argv0);

// One level of unwrapping of `argv` (argv[0] is a known value).
Unwrapped unwrap(const Argv& argv);

}  // namespace pgwarden::hook
