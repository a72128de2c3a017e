// `pgwarden check`, `init` and `policy show` as a user runs them: the real binary, its exit
// codes and its output. README's console examples are run and compared line by line.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "shell.hpp"

namespace fs = std::filesystem;
using pgwarden::test::shell;

namespace {

struct Example {
  std::string command;
  std::string expected;
};

std::vector<Example> readme_examples() {
  std::ifstream in(fs::path(PGWARDEN_SOURCE_DIR) / "README.md");
  std::vector<Example> out;
  std::string line;
  bool in_console = false;
  while (std::getline(in, line)) {
    if (!in_console && line == "```console") {
      in_console = true;
      continue;
    }
    if (in_console && line == "```") {
      in_console = false;
      continue;
    }
    if (!in_console) continue;
    if (line.rfind("$ ", 0) == 0) {
      out.push_back({line.substr(2), ""});
    } else if (!out.empty()) {
      out.back().expected += line + "\n";
    }
  }
  return out;
}

}  // namespace

TEST(Readme, EveryConsoleExamplePrintsWhatTheReadmeSays) {
  const auto examples = readme_examples();
  ASSERT_GE(examples.size(), 2U) << "README.md has no console examples";
  for (const auto& ex : examples) {
    const auto r = shell(ex.command);
    EXPECT_EQ(r.out, ex.expected) << "$ " << ex.command;
  }
}

TEST(CheckCommand, ExitCodesFollowTheContract) {
  EXPECT_EQ(shell("build/pgwarden check 'SELECT 1'").exit_code, 0);
  EXPECT_EQ(shell("build/pgwarden check 'ALTER TABLE t RENAME TO u'").exit_code, 0);  // warned
  EXPECT_EQ(shell("build/pgwarden check 'DROP TABLE t'").exit_code, 1);
  EXPECT_EQ(shell("build/pgwarden check --policy does-not-exist.toml 'SELECT 1'").exit_code, 2);
  EXPECT_EQ(shell("build/pgwarden check --format yaml 'SELECT 1'").exit_code, 2);
  EXPECT_EQ(shell("build/pgwarden frobnicate").exit_code, 2);
}

TEST(CheckCommand, ReadsStandardInputWithADashOrNoArgument) {
  auto r = shell("build/pgwarden check -", "SELECT 1;\nTRUNCATE orders;\n", true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("LINE 2: TRUNCATE orders;"), std::string::npos) << r.out;
  r = shell("build/pgwarden check", "SELECT 1", true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(CheckCommand, APolicyMistakeNamesFileLineAndKey) {
  const fs::path dir = fs::temp_directory_path() / ("pgwarden-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "pgwarden.toml") << "[policy]\nname = \"x\"\n\n[[tables]]\nname = \"t\"\nappend_onyl = true\n";
  const auto r = shell("cd '" + dir.string() + "' && build/pgwarden check 'SELECT 1'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("pgwarden.toml:6:1: key 'tables[1].append_onyl': unknown key"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(CheckCommand, JsonOutputCarriesEveryVerdict) {
  const auto r = shell("build/pgwarden check --format json --policy examples/pgwarden.toml "
                       "'SELECT 1; DELETE FROM users WHERE id = 2'");
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["decision"], "approve");
  ASSERT_EQ(j["statements"].size(), 2U);
  EXPECT_EQ(j["statements"][0]["decision"], "allow");
  const auto& f = j["statements"][1]["findings"][0];
  EXPECT_EQ(f["action"], "delete");
  EXPECT_EQ(f["object"], "users");
  EXPECT_NE(f["hint"].get<std::string>().find("UPDATE users SET deleted_at = now() WHERE id = 2"), std::string::npos);
  EXPECT_EQ(j["statements"][1]["location"]["line"], 1);
  EXPECT_EQ(j["statements"][1]["location"]["column"], 11);
}

TEST(CheckCommand, MalformedInputIsRefusedNotWavedThrough) {
  const auto r = shell("build/pgwarden check", std::string("SELECT \xff\xfe\x00 1; DROP TABLE t", 26), true);
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST(InitCommand, WritesAPresetThatPolicyShowReads) {
  const fs::path dir = fs::temp_directory_path() / ("pgwarden-init-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string cd = "cd '" + dir.string() + "' && ";
  auto r = shell(cd + "build/pgwarden init --preset immutable-ledger");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(dir / "pgwarden.toml"));
  r = shell(cd + "build/pgwarden init --preset immutable-ledger");
  EXPECT_EQ(r.exit_code, 2) << "an existing policy is never overwritten without --force";
  r = shell(cd + "build/pgwarden policy show");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Ledger Immutability Policy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ledger_*"), std::string::npos) << r.out;
  r = shell(cd + "build/pgwarden check 'UPDATE ledger_entries SET amount = 0 WHERE id = 1'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(shell("build/pgwarden init --preset nonsense -o -").exit_code, 2);
  fs::remove_all(dir);
}

TEST(PolicyShow, PrintsEveryActionAsJson) {
  const auto r = shell("build/pgwarden policy show --format json --policy examples/pgwarden.toml");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.dump().find("drop_table") != std::string::npos, true);
}
