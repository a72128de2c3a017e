// The subcommands. Each adds itself to the CLI11 app and sets the exit code when it runs.
#pragma once

#include <CLI/CLI.hpp>

namespace pgwarden::cli {

struct CommandSpec {
  const char* name;
  const char* summary;
  void (*add)(CLI::App& command, int& exit_code);
};

void add_check(CLI::App& command, int& exit_code);
void add_lint(CLI::App& command, int& exit_code);
void add_init(CLI::App& command, int& exit_code);
void add_policy(CLI::App& command, int& exit_code);
void add_proxy(CLI::App& command, int& exit_code);
void add_hook(CLI::App& command, int& exit_code);
void add_db(CLI::App& command, int& exit_code);

}  // namespace pgwarden::cli
