// The hook corpus (tests/corpus/hook/commands.tsv): every line is one command string judged by
// hook::judge under the corpus policy, in tests/corpus/hook/files/, exactly as `pgwarden hook`
// judges it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "hook/judge.hpp"
#include "hook/tools.hpp"
#include "policy/load.hpp"
#include "support/tsv.hpp"

namespace fs = std::filesystem;
using namespace pgwarden;

namespace {

struct Case {
  int line = 0;
  std::string command, expected, rule, why;
};

fs::path corpus_dir() { return fs::path(PGWARDEN_SOURCE_DIR) / "tests" / "corpus" / "hook"; }

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  std::ifstream in(corpus_dir() / "commands.tsv");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const auto cols = test::split_tabs(line);
    if (cols.size() != 4) {
      ADD_FAILURE() << "commands.tsv:" << n << ": expected 4 columns, got " << cols.size();
      continue;
    }
    cases.push_back({n, test::unescape(cols[0]), cols[1], cols[2], cols[3]});
  }
  return cases;
}

policy::Policy corpus_policy() {
  auto p = policy::load_policy_file(corpus_dir() / "pgwarden.toml");
  if (!p) throw std::runtime_error(p.error().to_string());
  return *p;
}

}  // namespace

TEST(HookCorpus, EveryCommandGetsItsVerdictAndReason) {
  const auto cases = load_cases();
  ASSERT_GE(cases.size(), 300u) << "the corpus is the hook's specification: keep it whole";
  const auto policy = corpus_policy();
  hook::JudgeOptions options;
  options.cwd = corpus_dir() / "files";
  int failures = 0;
  for (const auto& c : cases) {
    const auto outcome = hook::judge(c.command, policy, options);
    bool ok = hook::to_string(outcome.verdict) == c.expected;
    bool rule_found = c.rule == "-";
    for (const auto& r : outcome.reasons) rule_found = rule_found || r.rule == c.rule;
    if (c.rule == "-" && c.expected == "allow") rule_found = outcome.reasons.empty();
    ok = ok && rule_found;
    if (!ok) {
      ++failures;
      ADD_FAILURE() << "commands.tsv:" << c.line << ": " << c.why << "\n  command: " << c.command
                    << "\n  expected " << c.expected << " (" << c.rule << "), got " << hook::to_string(outcome.verdict)
                    << "\n" << hook::describe(outcome);
    }
  }
  EXPECT_EQ(failures, 0);
}

// Every rule of the tool table is exercised by the corpus, so a rule that stops matching is
// noticed.
TEST(HookCorpus, EveryToolRuleIsCovered) {
  std::set<std::string> named;
  for (const auto& c : load_cases()) named.insert(c.rule);
  for (const auto& rule : hook::all_rules()) {
    if (rule.effect == hook::ToolRule::Effect::sql) continue;  // SQL runners: the SQL's rules are named
    EXPECT_TRUE(named.count("tool:" + rule.id)) << "rules.tsv row " << rule.id << " has no case in commands.tsv";
  }
}

// Every expected verdict is one the hook can give, and each verdict is exercised.
TEST(HookCorpus, CoversEveryVerdict) {
  std::set<std::string> seen;
  for (const auto& c : load_cases()) {
    EXPECT_TRUE(c.expected == "allow" || c.expected == "warn" || c.expected == "ask" || c.expected == "deny")
        << "commands.tsv:" << c.line << ": unknown verdict " << c.expected;
    seen.insert(c.expected);
  }
  EXPECT_EQ(seen.size(), 4u);
}

// A reason found inside a package.json script names the script and the command that ran it:
// the agent typed `npm run fresh`, not `dropdb`.
TEST(HookCorpus, AReasonFromAPackageScriptNamesTheScript) {
  const auto policy = corpus_policy();
  hook::JudgeOptions options;
  options.cwd = corpus_dir() / "files";
  const auto outcome = hook::judge("npm run fresh", policy, options);
  ASSERT_EQ(outcome.reasons.size(), 1u);
  EXPECT_EQ(outcome.reasons[0].command, "dropdb --if-exists app");
  EXPECT_EQ(outcome.reasons[0].what.rfind("(package.json script \"prefresh\", run by `npm run fresh`) ", 0), 0u)
      << outcome.reasons[0].what;
  const auto nested = hook::judge("npm run nuke", policy, options);
  ASSERT_EQ(nested.reasons.size(), 1u);
  EXPECT_NE(nested.reasons[0].what.find("package.json script \"nuke\", run by `npm run nuke`; package.json "
                                        "script \"db:reset\", run by `npm run db:reset`"),
            std::string::npos)
      << nested.reasons[0].what;
  const auto plain = hook::judge("dropdb app", policy, options);  // no script: no such note
  ASSERT_EQ(plain.reasons.size(), 1u);
  EXPECT_EQ(plain.reasons[0].what.find("package.json"), std::string::npos);
}
