// pgwarden lint [--policy F] [--format text|json|sarif|github] [--check-down] [--lock]
//               [--changed-since REF] [--sum FILE] [--jobs N] INPUT...
//
// Migrations in (files, folders, globs, '-'), one report out. Exit 0 when nothing is refused
// (warnings allowed), 1 when anything is, 2 on a usage, input or policy-file error.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands/commands.hpp"
#include "cli/lint_output.hpp"
#include "cli/run.hpp"
#include "lint/git.hpp"
#include "lint/history.hpp"
#include "lint/linter.hpp"
#include "lint/rule.hpp"
#include "policy/load.hpp"

namespace pgwarden::cli {
namespace {

namespace fs = std::filesystem;

struct LintCommandOptions {
  std::vector<std::string> inputs;
  std::string policy_path;
  std::string format = "text";
  std::string color = "auto";
  std::string changed_since;
  std::string sum_path;
  bool check_down = false;
  bool lock = false;
  unsigned jobs = 0;
};

int fail(const std::string& message) {
  std::cerr << "pgwarden: error: " << message << "\n";
  return k_exit_error;
}

// Where pgwarden.sum lives: --sum, else beside the migrations (the one folder given), else here.
fs::path sum_location(const LintCommandOptions& o) {
  if (!o.sum_path.empty()) return o.sum_path;
  std::error_code ec;
  if (o.inputs.size() == 1 && fs::is_directory(o.inputs[0], ec)) return fs::path(o.inputs[0]) / "pgwarden.sum";
  return "pgwarden.sum";
}

// The migration files in migration order, each once (a dbmate file holds up and down), with
// their paths relative to the sum file's folder.
std::vector<lint::LockedFile> locked_files(const std::vector<lint::Migration>& migrations, const fs::path& sum) {
  std::vector<lint::LockedFile> out;
  std::set<std::string> seen;
  const fs::path base = fs::absolute(sum).parent_path();
  auto add = [&](const std::optional<lint::Script>& script) {
    if (!script || script->file == "-" || !seen.insert(script->file).second) return;
    std::ifstream in(script->file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back({fs::absolute(script->file).lexically_relative(base).generic_string(), text.str()});
  };
  for (const auto& m : migrations) {
    add(m.up);
    add(m.down);
  }
  return out;
}

// The findings of pgwarden.sum against the current files, and against the sum file as it was at
// the merge-base with REF (a regenerated sum file cannot hide an edit from the base branch).
Expected<std::vector<lint::Finding>> history_findings(const LintCommandOptions& o,
                                                      const std::vector<lint::Migration>& migrations) {
  const fs::path sum = sum_location(o);
  const auto current = locked_files(migrations, sum);
  const std::string dir = fs::absolute(sum).parent_path().string();
  std::vector<lint::Finding> out;
  std::error_code ec;
  // The locked content of a file: from git, at the commit that last wrote the sum file.
  auto previous_at = [&](const std::string& rev) -> lint::PreviousContent {
    return [rev, dir](const std::string& path) -> std::optional<std::string> {
      if (rev.empty()) return std::nullopt;
      auto text = lint::git_show(dir, rev, path);
      return text ? std::optional<std::string>(*text) : std::nullopt;
    };
  };
  if (fs::exists(sum, ec)) {
    std::ifstream in(sum, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = lint::parse_sum(text.str(), sum.string());
    if (!parsed) return tl::unexpected(parsed.error());
    auto last = lint::git_last_commit_touching(dir, sum.filename().string());
    auto found = lint::verify_history(*parsed, current, previous_at(last ? *last : ""), sum.string());
    out.insert(out.end(), found.begin(), found.end());
  }
  if (!o.changed_since.empty()) {
    auto base = lint::git_merge_base(dir, o.changed_since);
    if (!base) return tl::unexpected(base.error());
    auto text = lint::git_show(dir, *base, sum.filename().string());
    if (text) {
      auto parsed = lint::parse_sum(*text, o.changed_since + ":" + sum.filename().string());
      if (!parsed) return tl::unexpected(parsed.error());
      for (auto& f : lint::verify_history(*parsed, current, previous_at(*base), sum.string())) {
        const bool duplicate = std::any_of(out.begin(), out.end(), [&](const lint::Finding& g) {
          return g.rule == f.rule && g.file == f.file && g.line == f.line;
        });
        if (!duplicate) {
          f.message += " (compared with pgwarden.sum at the merge-base with " + o.changed_since + ")";
          out.push_back(std::move(f));
        }
      }
    }
  }
  return out;
}

RuleInfo rule_info(const std::string& id) {
  if (const auto* rule = lint::find_rule(id)) {
    return {std::string(rule->summary), "docs/rules/" + std::string(rule->id.substr(5)) + ".md"};
  }
  if (id.starts_with("history.")) return {"applied migrations are never edited, removed or reordered", "docs/rules/history.md"};
  if (auto action = sql::action_from_string(id)) {
    return {"policy action " + id + " (pgwarden.toml [actions])", "docs/policy.md"};
  }
  return {id, ""};
}

int lint_command(const LintCommandOptions& o) {
  std::optional<fs::path> explicit_path;
  if (!o.policy_path.empty()) explicit_path = o.policy_path;
  auto policy = policy::resolve_policy(explicit_path, fs::current_path());
  if (!policy) return fail(policy.error().to_string());
  auto shared = std::make_shared<const policy::Policy>(std::move(*policy));
  auto linter = lint::Linter::create(shared);
  if (!linter) return fail(linter.error().to_string());

  auto migrations = lint::discover(o.inputs, std::cin);
  if (!migrations) return fail(migrations.error().to_string());

  if (o.lock) {
    const fs::path sum = sum_location(o);
    const auto files = locked_files(*migrations, sum);
    std::ofstream(sum, std::ios::binary) << lint::sum_text(files);
    std::cout << "pgwarden lint: locked " << files.size() << " migration file" << (files.size() == 1 ? "" : "s")
              << " in " << sum.string() << "\n";
    return k_exit_allowed;
  }

  lint::LintOptions options;
  options.check_down = o.check_down;
  options.threads = o.jobs;
  if (!o.changed_since.empty()) {
    auto changed = lint::git_changed_files(fs::current_path().string(), o.changed_since);
    if (!changed) return fail(changed.error().to_string());
    std::set<std::string> changed_paths;
    for (const auto& f : changed->files) changed_paths.insert((fs::path(changed->root) / f).lexically_normal().string());
    options.restrict_report = true;
    for (const auto& m : *migrations) {
      for (const auto* script : {m.up ? &*m.up : nullptr, m.down ? &*m.down : nullptr}) {
        if (script == nullptr) continue;
        std::error_code ec;
        const auto canonical = fs::weakly_canonical(script->file, ec).string();
        if (changed_paths.contains(canonical)) options.report_only.insert(script->file);
      }
    }
  }
  auto report = linter->run(*migrations, options);
  auto history = history_findings(o, *migrations);
  if (!history) return fail(history.error().to_string());
  report.findings.insert(report.findings.end(), history->begin(), history->end());

  if (o.format == "json") {
    std::cout << render_lint_json(report).dump(2) << "\n";
  } else if (o.format == "sarif") {
    std::cout << render_lint_sarif(report, k_version, rule_info).dump(2) << "\n";
  } else if (o.format == "github") {
    std::cout << render_lint_github(report);
  } else {
    std::map<std::string, std::string> cache;
    auto read = [&](const std::string& path) -> std::string_view {
      auto [it, added] = cache.try_emplace(path);
      if (added && path != "-") {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        it->second = text.str();
      }
      return it->second;
    };
    const bool color = o.color == "always" || (o.color == "auto" && isatty(STDOUT_FILENO) != 0);
    std::cout << render_lint_text(report, read, LintTextStyle{color});
  }
  return report.errors() > 0 ? k_exit_refused : k_exit_allowed;
}

}  // namespace

void add_lint(CLI::App& command, int& exit_code) {
  auto opts = std::make_shared<LintCommandOptions>();
  command.add_option("inputs", opts->inputs, "Migration files, folders, globs; '-' reads standard input")->required();
  command.add_option("--policy", opts->policy_path, "Policy file (default: ./pgwarden.toml or the nearest parent's)");
  command.add_option("--format", opts->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}));
  command.add_option("--color", opts->color, "Color the text output")->check(CLI::IsMember({"auto", "always", "never"}));
  command.add_flag("--check-down", opts->check_down, "Also lint the down migrations");
  command.add_flag("--lock", opts->lock, "Write pgwarden.sum: lock the migration history as it is now");
  command.add_option("--changed-since", opts->changed_since,
                     "Report only migrations added or changed since this git ref, and check pgwarden.sum "
                     "against the one at the merge-base");
  command.add_option("--sum", opts->sum_path, "The history lock file (default: pgwarden.sum beside the migrations)");
  command.add_option("-j,--jobs", opts->jobs, "Parse with this many threads (default: one per core)");
  command.callback([opts, &exit_code] { exit_code = lint_command(*opts); });
}

}  // namespace pgwarden::cli
