// What a user checks in each lint output: the location (1-based line and column) in every format,
// the caret under the right character, colors only when asked, approved findings kept but not
// counted, SARIF that the SARIF 2.1.0 schema accepts, and GitHub workflow commands escaped so
// that the runner reads them back as written.
#include "cli/lint_output.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/source_position.hpp"

namespace pgwarden::cli {
namespace {

using lint::Finding;
using lint::Report;
using lint::Severity;

// A migration whose second line has a multibyte character and a tab before the offending word.
const std::string k_migration =
    "SET lock_timeout = '1s';\nALTER TABLE caf\xC3\xA9\tADD COLUMN total numeric;\n";

Finding finding_at(const std::string& file, const std::string& content, std::string_view word,
                   std::string rule, Severity severity) {
  Finding f;
  f.rule = std::move(rule);
  f.severity = severity;
  f.decision = severity == Severity::error ? policy::Decision::deny : policy::Decision::warn;
  f.file = file;
  f.offset = content.find(word);
  const SourcePosition pos = LineIndex(content).position(f.offset);
  f.line = pos.line;
  f.column = pos.column;
  f.message = "ALTER TABLE takes an ACCESS EXCLUSIVE lock";
  f.detail = "Every read and write of the table waits for it.";
  f.statement = "ALTER TABLE caf\xC3\xA9\tADD COLUMN total numeric";
  return f;
}

Report sample_report() {
  Report r;
  r.files = 1;
  r.migrations = 1;
  r.statements = 2;
  r.policy_name = "Ledger Immutability Policy";
  r.policy_source = "pgwarden.toml";
  Finding error =
      finding_at("migrations/001.sql", k_migration, "ADD", "lint.add-column", Severity::error);
  error.hint = "SET lock_timeout = '2s';\nALTER TABLE café ADD COLUMN total numeric;";
  Finding warning =
      finding_at("migrations/001.sql", k_migration, "SET", "lint.timeouts", Severity::warning);
  warning.message = "lock_timeout is short";
  Finding approved =
      finding_at("migrations/001.sql", k_migration, "ALTER", "drop_table", Severity::error);
  approved.message = "DROP TABLE would delete rows of table café";
  approved.approved = true;
  approved.approval_reason = "table emptied in 000, ticket OPS-12";
  r.findings = {warning, approved, error};
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string render_text(const Report& report, bool color) {
  const std::map<std::string, std::string> files = {{"migrations/001.sql", k_migration}};
  return render_lint_text(
      report,
      [&](const std::string& path) -> std::string_view {
        auto it = files.find(path);
        return it == files.end() ? std::string_view{} : std::string_view(it->second);
      },
      LintTextStyle{.color = color});
}

RuleInfo rule_info(const std::string& rule) {
  if (rule == "lint.add-column")
    return {"Adding a column takes a lock", "docs/rules/add-column.md"};
  if (rule == "drop_table")
    return {"DROP TABLE deletes data", "https://www.postgresql.org/docs/15/sql-droptable.html"};
  return {};
}

// ---- Report counts ----

TEST(LintOutputReport, ApprovedFindingsAreNeitherErrorsNorWarnings) {
  const Report r = sample_report();
  EXPECT_EQ(r.errors(), 1U);
  EXPECT_EQ(r.warnings(), 1U);
  EXPECT_EQ(lint::to_string(Severity::note), "note");
}

// ---- text ----

TEST(LintOutputText, EachFindingStartsWithFileLineColumnAndItsLevel) {
  const std::string out = render_text(sample_report(), false);
  // "ADD" is the 17th character of line 2 ("ALTER TABLE café" is 16 characters, then a tab).
  EXPECT_NE(out.find("migrations/001.sql:2:18: ERROR: lint.add-column: ALTER TABLE takes an ACCESS "
                     "EXCLUSIVE lock\n"
                     "DETAIL:  Every read and write of the table waits for it.\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("migrations/001.sql:1:1: WARNING: lint.timeouts: lock_timeout is short\n"),
            std::string::npos)
      << out;
}

TEST(LintOutputText, CaretStandsUnderTheColumnAfterAMultibyteCharacterAndATab) {
  const std::string out = render_text(sample_report(), false);
  const auto lines = lines_of(out);
  const auto it = std::find(lines.begin(), lines.end(),
                            "LINE 2: ALTER TABLE caf\xC3\xA9 ADD COLUMN total numeric;");
  ASSERT_NE(it, lines.end()) << out;
  ASSERT_NE(it + 1, lines.end());
  const std::string& source = *it;
  const std::string& caret = *(it + 1);
  // On screen every character takes one cell: the caret's cell is the character count before "ADD".
  const auto caret_cell = caret.find('^');
  ASSERT_NE(caret_cell, std::string::npos);
  EXPECT_EQ(caret_cell, count_code_points(source.substr(0, source.find("ADD")))) << out;
  EXPECT_EQ(caret.find_first_not_of(' '), caret_cell) << "only spaces before the caret";
}

TEST(LintOutputText, MultiLineHintIsIndentedUnderItsFirstLine) {
  const std::string out = render_text(sample_report(), false);
  EXPECT_NE(out.find("HINT:  SET lock_timeout = '2s';\n"
                     "       ALTER TABLE café ADD COLUMN total numeric;\n"),
            std::string::npos)
      << out;
}

TEST(LintOutputText, ApprovedFindingIsOneLineWithItsReasonAndIsNotCountedAsAnError) {
  const std::string out = render_text(sample_report(), false);
  EXPECT_NE(out.find("migrations/001.sql:2:1: APPROVED: drop_table: DROP TABLE would delete rows "
                     "of table café "
                     "(reason: table emptied in 000, ticket OPS-12)\n"
                     "\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("LINE 2: ALTER", out.find("APPROVED")), out.find("LINE 2: ALTER"))
      << "no caret of its own";
  EXPECT_NE(
      out.find("\npgwarden lint: 1 file, 1 migration, 2 statements: 1 error, 1 warning, 1 approved "
               "(policy: Ledger Immutability Policy, pgwarden.toml)\n"),
      std::string::npos)
      << out;
}

TEST(LintOutputText, SummaryOfACleanRunNamesTheBuiltInPolicyWithoutASource) {
  Report r;
  r.files = 3;
  r.migrations = 2;
  r.statements = 10;
  r.policy_name = "default";
  EXPECT_EQ(render_text(r, false),
            "pgwarden lint: 3 files, 2 migrations, 10 statements: 0 errors, 0 warnings, 0 approved "
            "(policy: default)\n");
}

TEST(LintOutputText, NoColorsUnlessAsked) {
  const std::string plain = render_text(sample_report(), false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  const std::string colored = render_text(sample_report(), true);
  EXPECT_NE(colored.find("\x1b[1;31mERROR:\x1b[0m"), std::string::npos) << colored;
  EXPECT_NE(colored.find("\x1b[1;33mWARNING:\x1b[0m"), std::string::npos) << colored;
  EXPECT_NE(colored.find("\x1b[36mHINT:\x1b[0m"), std::string::npos) << colored;
}

TEST(LintOutputText, FileThatCannotBeReadGetsNoCaret) {
  Report r = sample_report();
  for (auto& f : r.findings) f.file = "elsewhere.sql";
  const std::string out = render_text(r, false);
  EXPECT_EQ(out.find("LINE "), std::string::npos) << out;
  EXPECT_NE(out.find("elsewhere.sql:2:18: ERROR:"), std::string::npos) << out;
}

// ---- JSON ----

TEST(LintOutputJson, FindingsCarryOneBasedLocationsAndCountsLeaveOutApproved) {
  const nlohmann::json j = render_lint_json(sample_report());
  EXPECT_EQ(j["errors"], 1);
  EXPECT_EQ(j["warnings"], 1);
  EXPECT_EQ(j["files"], 1);
  EXPECT_EQ(j["migrations"], 1);
  EXPECT_EQ(j["statements"], 2);
  EXPECT_EQ(j["policy"]["name"], "Ledger Immutability Policy");
  EXPECT_EQ(j["policy"]["source"], "pgwarden.toml");
  ASSERT_EQ(j["findings"].size(), 3U);
  const auto& warning = j["findings"][0];
  EXPECT_EQ(warning["line"], 1);
  EXPECT_EQ(warning["column"], 1);
  EXPECT_EQ(warning["severity"], "warning");
  EXPECT_EQ(warning["decision"], "warn");
  const auto& approved = j["findings"][1];
  EXPECT_EQ(approved["approved"], true);
  EXPECT_EQ(approved["approval_reason"], "table emptied in 000, ticket OPS-12");
  const auto& error = j["findings"][2];
  EXPECT_EQ(error["rule"], "lint.add-column");
  EXPECT_EQ(error["file"], "migrations/001.sql");
  EXPECT_EQ(error["line"], 2);
  EXPECT_EQ(error["column"], 18);
  EXPECT_EQ(error["severity"], "error");
  EXPECT_EQ(error["approved"], false);
  EXPECT_EQ(error["statement"], "ALTER TABLE caf\xC3\xA9\tADD COLUMN total numeric");
}

// ---- SARIF ----

TEST(LintOutputSarif, ResultsPointAtOneBasedLineAndColumnThroughTheirRule) {
  const nlohmann::json s = render_lint_sarif(sample_report(), "0.3.0", rule_info);
  EXPECT_EQ(s["version"], "2.1.0");
  ASSERT_EQ(s["runs"].size(), 1U);
  const auto& run = s["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "pgwarden");
  EXPECT_EQ(run["tool"]["driver"]["version"], "0.3.0");
  EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 3U) << "one descriptor per distinct rule";
  ASSERT_EQ(run["results"].size(), 3U);
  for (const auto& result : run["results"]) {
    EXPECT_EQ(rules[result["ruleIndex"].get<std::size_t>()]["id"], result["ruleId"]);
  }
  const auto& error = run["results"][2];
  EXPECT_EQ(error["ruleId"], "lint.add-column");
  EXPECT_EQ(error["level"], "error");
  EXPECT_EQ(error["message"]["text"],
            "ALTER TABLE takes an ACCESS EXCLUSIVE lock\nHint: SET lock_timeout = '2s';\n"
            "ALTER TABLE café ADD COLUMN total numeric;");
  const auto& location = error["locations"][0]["physicalLocation"];
  EXPECT_EQ(location["artifactLocation"]["uri"], "migrations/001.sql");
  EXPECT_EQ(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(location["region"]["startLine"], 2);
  EXPECT_EQ(location["region"]["startColumn"], 18);
  EXPECT_FALSE(error.contains("suppressions"));
  EXPECT_EQ(run["results"][0]["level"], "warning");
}

TEST(LintOutputSarif, ApprovedFindingIsASuppressedResultWithItsReason) {
  const nlohmann::json s = render_lint_sarif(sample_report(), "0.3.0", rule_info);
  const auto& approved = s["runs"][0]["results"][1];
  EXPECT_EQ(approved["ruleId"], "drop_table");
  ASSERT_EQ(approved["suppressions"].size(), 1U);
  EXPECT_EQ(approved["suppressions"][0]["kind"], "inSource");
  EXPECT_EQ(approved["suppressions"][0]["justification"], "table emptied in 000, ticket OPS-12");
}

TEST(LintOutputSarif, RuleHelpIsAUriOnlyWhenItIsAbsolute) {
  const nlohmann::json s = render_lint_sarif(sample_report(), "0.3.0", rule_info);
  const auto& rules = s["runs"][0]["tool"]["driver"]["rules"];
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& r : rules) by_id[r["id"]] = r;
  EXPECT_EQ(by_id["drop_table"]["helpUri"],
            "https://www.postgresql.org/docs/15/sql-droptable.html");
  EXPECT_EQ(by_id["drop_table"]["shortDescription"]["text"], "DROP TABLE deletes data");
  EXPECT_FALSE(by_id["lint.add-column"].contains("helpUri"));
  EXPECT_NE(
      by_id["lint.add-column"]["help"]["text"].get<std::string>().find("docs/rules/add-column.md"),
      std::string::npos);
  EXPECT_EQ(by_id["lint.add-column"]["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(by_id["lint.timeouts"]["shortDescription"]["text"], "lint.timeouts")
      << "the id when nothing else is known";
}

TEST(LintOutputSarif, ArtifactUrisUseForwardSlashesAndPercentEncoding) {
  Report r;
  const auto uri_of = [&](const std::string& file) {
    Finding f;
    f.rule = "r";
    f.file = file;
    r.findings = {f};
    return render_lint_sarif(
        r, "1",
        rule_info)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
  };
  EXPECT_EQ(uri_of("db/migrate/001 add #users%.sql")["uri"],
            "db/migrate/001%20add%20%23users%25.sql");
  EXPECT_EQ(uri_of("./db\\001.sql")["uri"], "db/001.sql");
  EXPECT_EQ(uri_of("a:b.sql")["uri"], "a%3Ab.sql") << "not a URI with scheme a";
  EXPECT_EQ(uri_of("db/caf\xC3\xA9.sql")["uri"], "db/caf%C3%A9.sql");
  const auto absolute = uri_of("/srv/app/db/001.sql");
  EXPECT_EQ(absolute["uri"], "file:///srv/app/db/001.sql");
  EXPECT_FALSE(absolute.contains("uriBaseId"));
}

// Runs tests/sarif/validate.mjs (ajv and the SARIF 2.1.0 schema, installed by
// scripts/install-deps.sh) on `sarif`; returns its exit code and output.
struct Validation {
  int exit_code = -1;
  std::string output;
};

std::filesystem::path validator_dir() {
  return std::filesystem::path(PGWARDEN_SOURCE_DIR) / "tests" / "sarif";
}

std::string validator_missing() {
  if (std::system("command -v node >/dev/null 2>&1") != 0)
    return "node is not installed (Debian package nodejs)";
  if (!std::filesystem::is_directory(validator_dir() / "node_modules")) {
    return "tests/sarif/node_modules is missing: run scripts/install-deps.sh (npm ci --prefix "
           "tests/sarif)";
  }
  return {};
}

Validation validate_sarif(const std::string& sarif) {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("pgwarden-sarif-{}-{}", ::getpid(),
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(dir);
  const auto file = dir / "lint.sarif";
  const auto log = dir / "validate.log";
  std::ofstream(file) << sarif;
  const std::string command =
      fmt::format("node '{}' '{}' > '{}' 2>&1", (validator_dir() / "validate.mjs").string(),
                  file.string(), log.string());
  const int status = std::system(command.c_str());
  Validation v;
  v.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(log);
  v.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  return v;
}

TEST(LintOutputSarif, ValidatesAgainstTheSarif210Schema) {
  if (const auto missing = validator_missing(); !missing.empty()) GTEST_SKIP() << missing;
  Report r = sample_report();
  Finding note = r.findings[0];
  note.severity = Severity::note;
  note.rule = "lint.note";
  note.file = "db/migrate/20240101 add: users.sql";
  r.findings.push_back(note);
  const auto sarif =
      render_lint_sarif(r, "0.3.0", rule_info, "https://www.postgresql.org/").dump(2);
  const Validation v = validate_sarif(sarif);
  EXPECT_EQ(v.exit_code, 0) << v.output << "\n" << sarif;
}

TEST(LintOutputSarif, EmptyReportValidatesToo) {
  if (const auto missing = validator_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const Validation v = validate_sarif(render_lint_sarif(Report{}, "0.3.0", rule_info).dump());
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

TEST(LintOutputSarif, ValidatorRejectsWhatTheSchemaForbids) {
  // The check above can fail: a relative helpUri (the mistake rule_info invites) is refused.
  if (const auto missing = validator_missing(); !missing.empty()) GTEST_SKIP() << missing;
  nlohmann::json sarif = render_lint_sarif(sample_report(), "0.3.0", rule_info);
  sarif["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "docs/rules/add-column.md";
  const Validation v = validate_sarif(sarif.dump());
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("helpUri"), std::string::npos) << v.output;
}

// ---- GitHub workflow commands ----

TEST(LintOutputGithub, OneCommandPerUnapprovedFindingWithOneBasedLocation) {
  const std::string out = render_lint_github(sample_report());
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2U) << out;
  EXPECT_EQ(
      lines[0],
      "::warning file=migrations/001.sql,line=1,col=1,title=lint.timeouts::lock_timeout is short");
  EXPECT_EQ(
      lines[1],
      "::error file=migrations/001.sql,line=2,col=18,title=lint.add-column::ALTER TABLE takes an "
      "ACCESS "
      "EXCLUSIVE lock%0ASET lock_timeout = '2s';%0AALTER TABLE café ADD COLUMN total numeric;");
  EXPECT_EQ(out.find("drop_table"), std::string::npos) << "approved findings are not annotated";
}

TEST(LintOutputGithub, EscapesPercentNewlinesCommasAndColons) {
  Report r;
  Finding f;
  f.rule = "lint.x:y,z";
  f.severity = Severity::note;
  f.file = "db/100%, part: 2.sql";
  f.line = 7;
  f.column = 3;
  f.message = "50% of rows: a, b\r\nthen c";
  r.findings = {f};
  EXPECT_EQ(render_lint_github(r),
            "::notice file=db/100%25%2C part%3A 2.sql,line=7,col=3,title=lint.x%3Ay%2Cz::"
            "50%25 of rows: a, b%0D%0Athen c\n");
}

}  // namespace
}  // namespace pgwarden::cli
