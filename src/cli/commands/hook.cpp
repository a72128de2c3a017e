// pgwarden hook [--agent A] [--policy F] [--cwd DIR]            (an agent's JSON on stdin)
// pgwarden hook [--policy F] --command STR | -- COMMAND...       (plain mode)
// pgwarden hook install claude [--print] [--project DIR]
//
// The hook runs before every shell command an agent runs, so it is built to start fast: it
// reads the request, loads the policy, judges (hook/judge.hpp) and answers in the agent's
// protocol (hook/protocol.hpp). Plain mode exits 0 allowed, 1 refused, 2 on an error. An error
// never lets a database command through: it is refused ("ask" where the agent can) when the
// command touches a database tool, and passes otherwise.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands/commands.hpp"
#include "cli/run.hpp"
#include "hook/install.hpp"
#include "hook/judge.hpp"
#include "hook/protocol.hpp"
#include "hook/shell.hpp"
#include "policy/load.hpp"

namespace pgwarden::cli {
namespace {

namespace fs = std::filesystem;

struct HookOptions {
  std::string agent;
  std::string policy_path;
  std::string command;
  bool command_given = false;
  std::vector<std::string> words;  // after --
  std::string cwd;
};

constexpr std::size_t k_max_request = std::size_t{8} << 20;

// Standard input, up to k_max_request bytes; nullopt when larger.
std::optional<std::string> read_stdin() {
  std::string in;
  std::array<char, 65536> buf{};
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf.data(), static_cast<std::size_t>(n));
    if (in.size() > k_max_request) return std::nullopt;
  }
  return in;
}

int answer(const hook::Response& r) {
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  std::fflush(stdout);
  std::fwrite(r.err.data(), 1, r.err.size(), stderr);
  return r.exit_code;
}

int hook_main(const HookOptions& o) {
  std::optional<hook::Agent> forced;
  if (!o.agent.empty()) forced = hook::agent_from_string(o.agent);
  const hook::Agent reply_as = forced.value_or(hook::Agent::plain);

  hook::Request request;
  if (o.command_given || !o.words.empty()) {
    request.command = o.command_given ? o.command : hook::shell::join(o.words);
    request.agent = forced.value_or(hook::Agent::plain);
  } else {
    auto input = read_stdin();
    if (!input) return answer(hook::render_error(reply_as, "the hook input is larger than 8 MiB"));
    auto parsed = hook::parse_request(*input, forced);
    if (!parsed) return answer(hook::render_error(reply_as, parsed.error().message));
    request = std::move(*parsed);
  }
  // Another tool (an edit, a read): not the hook's business, but some agents expect an answer.
  if (!request.shell) return answer(hook::render(request.agent, hook::Outcome{}));

  std::error_code ec;
  fs::path cwd = !o.cwd.empty()         ? fs::path(o.cwd)
                 : !request.cwd.empty() ? fs::path(request.cwd)
                                        : fs::current_path(ec);
  std::optional<fs::path> explicit_path;
  if (!o.policy_path.empty()) explicit_path = o.policy_path;
  auto policy = policy::resolve_policy(explicit_path, cwd);
  if (!policy) {
    if (!hook::touches_database(request.command)) return 0;
    return answer(hook::render_error(request.agent,
                                     "the policy cannot be loaded: " + policy.error().to_string()));
  }
  hook::JudgeOptions options;
  options.cwd = cwd;
  const hook::Outcome outcome = hook::judge(request.command, *policy, options);
  return answer(hook::render(request.agent, outcome));
}

int install_main(const std::string& agent, const std::string& project, bool print_only) {
  if (agent != "claude") {
    std::cerr
        << "pgwarden: error: `hook install` knows claude; for other agents see docs/hook.md\n";
    return k_exit_error;
  }
  std::error_code ec;
  const fs::path dir = project.empty() ? fs::current_path(ec) : fs::path(project);
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = "pgwarden";
  auto plan = hook::plan_claude_install(dir, exe);
  if (!plan) {
    std::cerr << "pgwarden: error: " << plan.error().to_string() << "\n";
    return k_exit_error;
  }
  if (print_only) {
    std::cout << plan->after;
    return k_exit_allowed;
  }
  if (auto done = hook::apply(*plan); !done) {
    std::cerr << "pgwarden: error: " << done.error().to_string() << "\n";
    return k_exit_error;
  }
  std::cout << (plan->changed ? "installed: " : "already installed: ") << plan->settings.string()
            << " runs `" << exe.string() << " hook --agent claude` before every Bash command\n";
  // A self-test: the hook as Claude Code will run it must refuse a DROP TABLE.
  auto policy = policy::resolve_policy(std::nullopt, dir);
  if (!policy) {
    std::cerr << "pgwarden: warning: the policy cannot be loaded, so the hook refuses every "
                 "database command: "
              << policy.error().to_string() << "\n";
    return k_exit_error;
  }
  hook::JudgeOptions options;
  options.cwd = dir;
  const auto outcome = hook::judge("psql -c 'DROP TABLE pgwarden_install_check'", *policy, options);
  std::cout << "self-test: psql -c 'DROP TABLE ...' is " << hook::to_string(outcome.verdict)
            << " under " << policy->name
            << (policy->source.empty() ? "" : " (" + policy->source + ")") << "\n";
  return outcome.verdict >= hook::Verdict::ask ? k_exit_allowed : k_exit_error;
}

}  // namespace

void add_hook(CLI::App& command, int& exit_code) {
  auto opts = std::make_shared<HookOptions>();
  command
      .add_option("--agent", opts->agent,
                  "Answer in this agent's hook protocol (default: detected from the input)")
      ->check(CLI::IsMember({"plain", "claude", "codex", "gemini", "cursor", "copilot", "cline"}));
  command.add_option(
      "--policy", opts->policy_path,
      "Policy file (default: pgwarden.toml in the command's directory or its parents)");
  command
      .add_option("--command", opts->command,
                  "Judge this shell command (plain mode: exit 0 allowed, 1 refused, 2 error)")
      ->each([opts](const std::string&) { opts->command_given = true; });
  command.add_option("--cwd", opts->cwd,
                     "Directory the command runs in (default: the agent's cwd, else this one)");
  command.add_option("words", opts->words, "The command, after --, as separate words (plain mode)");
  command.footer(
      "Agents: pgwarden hook install claude; for Gemini CLI, Codex, Cursor, Copilot and Cline see "
      "docs/hook.md.\n"
      "Examples:\n  pgwarden hook -- psql -c 'DROP TABLE users'\n  pgwarden hook --command 'prisma "
      "migrate reset --force'");

  auto* install = command.add_subcommand(
      "install", "Register the hook with an agent (merges into its settings)");
  auto agent = std::make_shared<std::string>();
  auto project = std::make_shared<std::string>();
  auto print = std::make_shared<bool>(false);
  install->add_option("agent", *agent, "The agent")->required()->check(CLI::IsMember({"claude"}));
  install->add_option("--project", *project, "Project directory (default: the current one)");
  install->add_flag("--print", *print, "Show the settings file as it would be, write nothing");
  install->callback(
      [agent, project, print, &exit_code] { exit_code = install_main(*agent, *project, *print); });

  command.callback([opts, install, &exit_code] {
    if (install->parsed()) return;
    try {
      exit_code = hook_main(*opts);
    } catch (const std::exception& e) {
      exit_code = answer(
          hook::render_error(hook::agent_from_string(opts->agent).value_or(hook::Agent::plain),
                             std::string("internal error: ") + e.what()));
    }
  });
}

}  // namespace pgwarden::cli
