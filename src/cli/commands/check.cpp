// pgwarden check [--policy F] [--format text|json] [SQL | -]
//
// The pipeline, once for the whole input (one unit): read the SQL, load the policy, analyze,
// evaluate each statement in order with the unit's state, report. Exit 0 when every statement
// is allowed (allow or warn), 1 when any is refused, 2 on a usage or policy-file error.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "cli/run.hpp"
#include "policy/load.hpp"
#include "sql/analyzer.hpp"

namespace pgwarden::cli {
namespace {

struct CheckOptions {
  std::string sql;
  std::string policy_path;
  std::string format = "text";
  std::string color = "auto";
  bool verbose = false;
};

int check(const CheckOptions& o) {
  // 1. The SQL: the argument, or standard input for "-" or no argument.
  std::string text = o.sql;
  if (o.sql.empty() || o.sql == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  // 2. The policy: --policy, ./pgwarden.toml, the nearest parent's, or the built-in defaults.
  std::optional<std::filesystem::path> explicit_path;
  if (!o.policy_path.empty()) explicit_path = o.policy_path;
  auto policy = policy::resolve_policy(explicit_path, std::filesystem::current_path());
  if (!policy) {
    std::cerr << "pgwarden: error: " << policy.error().to_string() << "\n";
    return k_exit_error;
  }
  // 3. Analyze and 4. evaluate, statement by statement, in one unit.
  std::vector<Judged> judged;
  policy::UnitState unit;
  for (auto& statement : sql::analyze(text)) {
    auto verdict = policy::evaluate(statement, *policy, unit);
    judged.push_back({std::move(statement), std::move(verdict)});
  }
  // 5. Report.
  if (o.format == "json") {
    std::cout << render_json(judged, *policy).dump(2) << "\n";
  } else {
    const bool color = o.color == "always" || (o.color == "auto" && isatty(STDOUT_FILENO) != 0);
    std::cout << render_text(text, judged, *policy, TextStyle{color, o.verbose});
  }
  return policy::refuses(overall(judged)) ? k_exit_refused : k_exit_allowed;
}

}  // namespace

void add_check(CLI::App& command, int& exit_code) {
  auto opts = std::make_shared<CheckOptions>();
  command.add_option("sql", opts->sql, "SQL to judge; '-' or nothing reads standard input");
  command.add_option("--policy", opts->policy_path, "Policy file (default: ./pgwarden.toml or the nearest parent's)");
  command.add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  command.add_option("--color", opts->color, "Color the text output")->check(CLI::IsMember({"auto", "always", "never"}));
  command.add_flag("-v,--verbose", opts->verbose, "Also list the statements that are allowed");
  command.callback([opts, &exit_code] { exit_code = check(*opts); });
}

}  // namespace pgwarden::cli
