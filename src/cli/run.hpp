// cli: the command line. Every subcommand is a file under src/cli/commands/, registered from the
// table in run.cpp; all logic lives in the libraries below (sql, policy, lint). Exit codes: 0 allowed,
// 1 refused, 2 usage or policy-file error.
#pragma once

namespace pgwarden::cli {

inline constexpr int k_exit_allowed = 0;
inline constexpr int k_exit_refused = 1;
inline constexpr int k_exit_error = 2;

inline constexpr const char* k_version = "0.1.0";

int run(int argc, char** argv);

}  // namespace pgwarden::cli
