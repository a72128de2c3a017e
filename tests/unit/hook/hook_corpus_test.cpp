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
