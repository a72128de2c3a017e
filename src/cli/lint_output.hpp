// Rendering a lint report: what `pgwarden lint` prints, in four formats.
//
// In: a lint::Report (findings located at 1-based line and column; rendering never judges). Out:
//   - text: one block per finding, PostgreSQL style (ERROR/DETAIL/HINT and a caret under the
//     column) behind a `file:line:col:` that editors and terminals jump to, then a summary;
//   - JSON: the report as data, for scripts;
//   - SARIF 2.1.0: for GitHub code scanning and other SARIF consumers (validated against the
//     schema by tests/sarif/validate.mjs);
//   - GitHub workflow commands (`::error file=...::`), which annotate a pull request's diff.
// The renderers only format; they read no file themselves (text asks `read_file` for the caret
// line) and know nothing of rules beyond what `rule_info` tells SARIF.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "lint/report.hpp"

namespace pgwarden::cli {

struct LintTextStyle {
  bool color = false;  // ANSI colors: errors red, warnings yellow, hints cyan
};

// Every finding, then `pgwarden lint: N files, M migrations, S statements: E errors, W warnings,
// A approved (policy: NAME[, SOURCE])`. `read_file(path)` returns the file's content for the
// caret line (empty: no caret); the caller caches.
std::string render_lint_text(const lint::Report& report,
                             const std::function<std::string_view(const std::string&)>& read_file,
                             const LintTextStyle& style);

// {"errors", "warnings", "approved", "files", "migrations", "statements", "policy", "findings"}.
nlohmann::json render_lint_json(const lint::Report& report);

// What SARIF says about a rule (reportingDescriptor).
struct RuleInfo {
  std::string short_description;
  // "https://..." becomes helpUri. A repository path ("docs/rules/index-concurrently.md") is not
  // a URI SARIF accepts there, so it goes into the rule's help text instead. May be empty.
  std::string help_uri;
};

// One run of tool "pgwarden"; approved findings are results with an inSource suppression.
// `information_uri`, when not empty, must be an absolute URI (the project's home page).
nlohmann::json render_lint_sarif(
    const lint::Report& report, const std::string& tool_version,
    const std::function<RuleInfo(const std::string& rule_id)>& rule_info,
    const std::string& information_uri = {});

// One `::error|warning|notice file=F,line=L,col=C,title=RULE::MESSAGE` line per finding that is
// not approved, escaped as GitHub's workflow-command parser expects.
std::string render_lint_github(const lint::Report& report);

}  // namespace pgwarden::cli
