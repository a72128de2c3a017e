// `pgwarden lint` as a user and a CI job run it: the real binary on real folders, its exit
// codes, its formats, the history lock and --changed-since against a real git repository.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "shell.hpp"

namespace fs = std::filesystem;
using pgwarden::test::shell;

namespace {

class Repo {
 public:
  Repo() : m_root(fs::temp_directory_path() / ("pgwarden-lint-cli-" + std::to_string(::getpid()) + "-" + std::to_string(s_n++))) {
    fs::create_directories(m_root / "db");
  }
  ~Repo() { fs::remove_all(m_root); }
  Repo(const Repo&) = delete;
  Repo& operator=(const Repo&) = delete;
  void write(const std::string& rel, const std::string& text) const { std::ofstream(m_root / rel) << text; }
  [[nodiscard]] std::string in(const std::string& command) const { return "cd '" + m_root.string() + "' && " + command; }

 private:
  static inline int s_n = 0;
  fs::path m_root;
};

bool have_git() { return shell("git --version").exit_code == 0; }

}  // namespace

TEST(LintCommand, ExitCodesFollowTheContract) {
  Repo r;
  r.write("db/001_ok.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n");
  EXPECT_EQ(shell(r.in("build/pgwarden lint db")).exit_code, 0);
  r.write("db/002_warn.sql", "ALTER TABLE t RENAME TO u;\n");
  EXPECT_EQ(shell(r.in("build/pgwarden lint db")).exit_code, 0);  // warnings only
  r.write("db/003_refused.sql", "DROP TABLE u;\n");
  const auto refused = shell(r.in("build/pgwarden lint db"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("db/003_refused.sql:1:1: ERROR: drop_table:"), std::string::npos) << refused.out;
  EXPECT_EQ(shell(r.in("build/pgwarden lint db/nothing-here")).exit_code, 2);
  EXPECT_EQ(shell(r.in("build/pgwarden lint --format xml db")).exit_code, 2);
  r.write("pgwarden.toml", "[lint.rules]\nno-such-rule = \"warn\"\n");
  const auto bad = shell(r.in("build/pgwarden lint db"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("pgwarden.toml:2:1: key 'lint.rules.lint.no-such-rule'"), std::string::npos) << bad.out;
}

TEST(LintCommand, ReadsStandardInput) {
  const auto r = shell("build/pgwarden lint --format json -", "SELECT 1;\nTRUNCATE orders;\n", true);
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_GE(j["findings"].size(), 1U) << r.out;
  EXPECT_EQ(j["findings"][0]["rule"], "truncate");  // then the timeouts TRUNCATE's lock wants
  EXPECT_EQ(j["findings"][0]["file"], "-");
  EXPECT_EQ(j["findings"][0]["line"], 2);
}

TEST(LintCommand, GithubAndSarifFormatsLocateTheStatement) {
  Repo r;
  r.write("db/001_idx.sql", "SET lock_timeout = '1s';\nSET statement_timeout = '1min';\nCREATE INDEX i ON users (email);\n");
  const auto gh = shell(r.in("build/pgwarden lint --format github db"));
  EXPECT_EQ(gh.exit_code, 1);
  EXPECT_NE(gh.out.find("::error file=db/001_idx.sql,line=3,col=19,title=lint.index-concurrently::"), std::string::npos)
      << gh.out;
  const auto sarif = shell(r.in("build/pgwarden lint --format sarif db"));
  const auto j = nlohmann::json::parse(sarif.out);
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& result = j["runs"][0]["results"][0];
  EXPECT_EQ(result["ruleId"], "lint.index-concurrently");
  EXPECT_EQ(result["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
}

TEST(LintCommand, TheHistoryLockReportsAnEditAtItsLine) {
  if (!have_git()) GTEST_SKIP() << "git is not installed";
  Repo r;
  r.write("db/001_a.sql", "CREATE TABLE a (id bigint PRIMARY KEY);\n");
  r.write("db/002_b.sql", "CREATE TABLE b (id bigint PRIMARY KEY);\nCREATE TABLE c (id bigint PRIMARY KEY);\n");
  ASSERT_EQ(shell(r.in("build/pgwarden lint --lock db")).exit_code, 0);
  ASSERT_EQ(shell(r.in("git init -q -b main . && git -c user.name=t -c user.email=t@t add -A && "
                       "git -c user.name=t -c user.email=t@t commit -qm lock")).exit_code, 0);
  EXPECT_EQ(shell(r.in("build/pgwarden lint db")).exit_code, 0);
  r.write("db/002_b.sql", "CREATE TABLE b (id bigint PRIMARY KEY);\nCREATE TABLE c (id uuid PRIMARY KEY);\n");
  const auto edited = shell(r.in("build/pgwarden lint db"));
  EXPECT_EQ(edited.exit_code, 1);
  EXPECT_NE(edited.out.find("db/002_b.sql:2:"), std::string::npos) << edited.out;
  EXPECT_NE(edited.out.find("history.edited"), std::string::npos) << edited.out;
}

TEST(LintCommand, ChangedSinceReportsTheBranchAndCatchesARegeneratedSum) {
  if (!have_git()) GTEST_SKIP() << "git is not installed";
  Repo r;
  const std::string git = "git -c user.name=t -c user.email=t@t ";
  r.write("db/001_a.sql", "CREATE TABLE a (id bigint PRIMARY KEY, email text);\nDROP TABLE legacy;\n");
  ASSERT_EQ(shell(r.in("build/pgwarden lint --lock db")).exit_code, 0);
  ASSERT_EQ(shell(r.in("git init -q -b main . && " + git + "add -A && " + git + "commit -qm base && git checkout -q -b feature")).exit_code, 0);
  // The branch adds a migration: only it is reported (001's DROP TABLE is not).
  r.write("db/002_b.sql", "SET lock_timeout = '1s';\nSET statement_timeout = '1min';\nCREATE INDEX a_email_idx ON a (email);\n");
  auto out = shell(r.in("build/pgwarden lint --changed-since main db"));
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.out.find("db/002_b.sql:3:"), std::string::npos) << out.out;
  EXPECT_EQ(out.out.find("drop_table"), std::string::npos) << out.out;
  // The branch also edits the merged 001 and regenerates pgwarden.sum to hide it.
  r.write("db/001_a.sql", "CREATE TABLE a (id bigint PRIMARY KEY, email text);\n");
  ASSERT_EQ(shell(r.in("build/pgwarden lint --lock db && " + git + "commit -qam hide")).exit_code, 0);
  EXPECT_EQ(shell(r.in("build/pgwarden lint db")).out.find("history.edited"), std::string::npos);
  out = shell(r.in("build/pgwarden lint --changed-since main db"));
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.out.find("history.edited"), std::string::npos) << out.out;
  EXPECT_NE(out.out.find("db/001_a.sql:1:"), std::string::npos) << out.out;  // the line after which 001 changed
}
