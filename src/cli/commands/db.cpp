// pgwarden db protect [--policy FILE] [--dry-run] [--check] [--format text|json] [CONNINFO]
// Compiles the policy into guards PostgreSQL enforces itself (docs/db.md). The connection comes
// from the conninfo string or URI, else from libpq's defaults and the PG* environment variables,
// as every PostgreSQL tool reads them. Exit codes: install 0 (1 when something could not be
// installed), --check 0 in sync / 1 any difference, 2 on a usage, policy or connection error.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands/commands.hpp"
#include "cli/run.hpp"
#include "db/protect.hpp"
#include "db/report.hpp"
#include "policy/load.hpp"

namespace pgwarden::cli {
namespace {

struct ProtectCommand {
  std::string policy_path;
  bool dry_run = false;
  bool check = false;
  std::string format = "text";
  std::string conninfo;
};

int protect(const ProtectCommand& o) {
  if (o.dry_run && o.check) {
    std::cerr
        << "pgwarden: error: --dry-run and --check are two ways of changing nothing; pick one\n";
    return k_exit_error;
  }
  // The policy, and its text for the hash the registry records.
  std::optional<std::filesystem::path> explicit_path;
  if (!o.policy_path.empty()) explicit_path = o.policy_path;
  auto loaded = policy::resolve_policy(explicit_path, std::filesystem::current_path());
  if (!loaded) {
    std::cerr << "pgwarden: error: " << loaded.error().to_string() << "\n";
    return k_exit_error;
  }
  std::string text;
  if (!loaded->source.empty()) {
    std::ifstream in(loaded->source, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }

  db::ProtectOptions options;
  options.conninfo = o.conninfo;
  options.mode = o.check ? db::Mode::check : o.dry_run ? db::Mode::dry_run : db::Mode::install;
  options.policy_text = std::move(text);
  options.version = k_version;
  auto outcome = db::protect(*loaded, options);
  if (!outcome) {
    std::cerr << "pgwarden: error: " << outcome.error().message << "\n";
    return k_exit_error;
  }
  if (o.format == "json") {
    std::cout << db::render_json(*outcome);
  } else if (options.mode == db::Mode::dry_run) {
    std::cout << db::render_sql(*outcome);
  } else {
    std::cout << db::render_text(*outcome);
  }
  return db::exit_code(*outcome);
}

}  // namespace

void add_db(CLI::App& command, int& exit_code) {
  command.require_subcommand(1);
  auto opts = std::make_shared<ProtectCommand>();
  auto* sub = command.add_subcommand("protect",
                                     "Compile the policy into guards PostgreSQL enforces itself: "
                                     "triggers, an event trigger, privileges");
  sub->add_option("--policy", opts->policy_path,
                  "Policy file (default: ./pgwarden.toml or the nearest parent's)");
  sub->add_flag("--dry-run", opts->dry_run, "Print the SQL it would run; change nothing");
  sub->add_flag("--check", opts->check,
                "Change nothing; report every difference between the policy and the database (exit "
                "1 when any)");
  sub->add_option("--format", opts->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option(
      "conninfo", opts->conninfo,
      "Connection string or URI (default: libpq's defaults and the PG* environment variables)");
  sub->callback([opts, &exit_code] { exit_code = protect(*opts); });
}

}  // namespace pgwarden::cli
