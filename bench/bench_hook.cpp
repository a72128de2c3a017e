// The hook's cost as an agent pays it: a whole process, spawned with the hook JSON on stdin.
//
//   bench_hook PGWARDEN [RUNS]
//
// For each case, RUNS spawns of `PGWARDEN hook --agent claude` and RUNS spawns of /bin/true fed
// the same JSON, interleaved so that both see the same machine. Prints, per case, p50 and p99
// of the wall time from spawn to exit, the same for /bin/true, the ratio, and the peak RSS of
// the hook processes (from wait4). Exits 1 when a hook's exit code is not the expected one.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace {

struct Run {
  double ms = 0;
  long rss_kb = 0;
  int exit_code = 0;
};

// Spawns argv with `input` on its stdin (written by a thread, so a large input never blocks the
// spawn) and its stdout and stderr thrown away.
Run spawn(const std::vector<std::string>& args, const std::string& input) {
  int in[2];
  if (pipe(in) != 0) std::abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) std::abort();
  close(in[0]);
  std::thread writer([&] {
    std::size_t off = 0;
    while (off < input.size()) {
      const ssize_t n = write(in[1], input.data() + off, input.size() - off);
      if (n <= 0) break;  // /bin/true exits without reading: EPIPE
      off += static_cast<std::size_t>(n);
    }
    close(in[1]);
  });
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  const auto end = std::chrono::steady_clock::now();
  writer.join();
  posix_spawn_file_actions_destroy(&fa);
  return {std::chrono::duration<double, std::milli>(end - start).count(), ru.ru_maxrss,
          WIFEXITED(status) ? WEXITSTATUS(status) : 128};
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::string claude_json(const std::string& command) {
  nlohmann::json j = {{"session_id", "bench"},
                      {"transcript_path", "/tmp/transcript.jsonl"},
                      {"cwd", std::filesystem::current_path().string()},
                      {"permission_mode", "default"},
                      {"hook_event_name", "PreToolUse"},
                      {"tool_name", "Bash"},
                      {"tool_input", {{"command", command}, {"description", "bench"}}},
                      {"tool_use_id", "toolu_bench"}};
  return j.dump();
}

// A command string of about `bytes`: a chain of harmless commands with one psql among them.
std::string sized_command(std::size_t bytes) {
  std::string s = "psql -d app -c \"SELECT id, email FROM users WHERE id = 42\"";
  int i = 0;
  while (s.size() < bytes) s += fmt::format(" && grep -rn \"pattern{}\" src/module{}/ | head -n 20", i, i), ++i;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_hook PGWARDEN [RUNS]\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);  // /bin/true exits without reading its input
  const std::string pgwarden = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 1000;
  struct Case {
    const char* name;
    std::string command;
    int expected_exit;  // Claude: 0 allowed or ask, 2 denied
    int runs;
  };
  const std::vector<Case> cases = {
      {"allowed: git status", "git status", 0, runs},
      {"refused: psql -c DROP TABLE", "psql -c \"DROP TABLE users\"", 2, runs},
      {"refused: prisma migrate reset", "npx prisma migrate reset --force", 2, runs},
      {"allowed: 4 KB chain", sized_command(4096), 0, runs},
      {"allowed: 1 MB chain", sized_command(1 << 20), 0, std::max(20, runs / 20)},
  };
  const std::vector<std::string> hook = {pgwarden, "hook", "--agent", "claude"};
  const std::vector<std::string> baseline = {"/bin/true"};
  fmt::print("{:<32} {:>6} {:>9} {:>9} {:>11} {:>11} {:>8} {:>9}\n", "case", "runs", "p50 ms", "p99 ms",
             "true p50", "true p99", "p50 -", "peak RSS");
  int bad = 0;
  for (const auto& c : cases) {
    const std::string input = claude_json(c.command);
    std::vector<double> h, t;
    long rss = 0;
    for (int i = 0; i < c.runs; ++i) {
      const Run r = spawn(hook, input);
      if (r.exit_code != c.expected_exit && bad++ < 3) {
        std::fprintf(stderr, "%s: exit %d, expected %d\n", c.name, r.exit_code, c.expected_exit);
      }
      h.push_back(r.ms);
      rss = std::max(rss, r.rss_kb);
      t.push_back(spawn(baseline, input).ms);
    }
    fmt::print("{:<32} {:>6} {:>9.2f} {:>9.2f} {:>11.2f} {:>11.2f} {:>8.2f} {:>6} KB\n", c.name, c.runs,
               percentile(h, 0.5), percentile(h, 0.99), percentile(t, 0.5), percentile(t, 0.99),
               percentile(h, 0.5) - percentile(t, 0.5), rss);
  }
  fmt::print("\n(p50 -: the hook's p50 minus /bin/true's, the cost of pgwarden itself. Input: the "
             "Claude Code PreToolUse JSON; the 1 MB case runs {} times.)\n",
             std::max(20, runs / 20));
  return bad > 0 ? 1 : 0;
}
