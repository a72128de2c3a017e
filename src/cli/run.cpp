#include "cli/run.hpp"

#include <exception>
#include <iostream>

#include "cli/commands/commands.hpp"

namespace pgwarden::cli {
namespace {

constexpr CommandSpec k_commands[] = {
    {"check", "Judge SQL against the policy: may this SQL run?", add_check},
    {"lint", "Lint migration files: policy findings, migration-safety rules, history lock", add_lint},
    {"init", "Write a commented pgwarden.toml from a preset", add_init},
    {"policy", "Show the effective policy", add_policy},
    {"hook", "Judge a shell command before an agent runs it (agent hook protocols, or plain)", add_hook},
    {"proxy", "Guard a PostgreSQL server on the wire: judge every statement, refuse with ERROR 42501", add_proxy},
    {"db", "The live database: compile the policy into guards PostgreSQL enforces itself", add_db},
};

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"pgwarden: makes a team's PostgreSQL data-safety policy mechanically enforceable.", "pgwarden"};
  app.set_version_flag("--version", std::string("pgwarden ") + k_version + " (PostgreSQL 15 grammar)");
  app.require_subcommand(1);
  int exit_code = k_exit_allowed;
  for (const auto& spec : k_commands) spec.add(*app.add_subcommand(spec.name, spec.summary), exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? k_exit_allowed : k_exit_error;
  } catch (const std::exception& e) {
    std::cerr << "pgwarden: error: " << e.what() << "\n";
    return k_exit_error;
  }
  return exit_code;
}

}  // namespace pgwarden::cli
