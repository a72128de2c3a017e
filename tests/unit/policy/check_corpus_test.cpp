// The behaviour corpus of `pgwarden check` (tests/corpus/check/*.tsv, described in its README):
// every line is one unit judged by the real analyzer and engine.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "policy/evaluate.hpp"
#include "policy/evaluator.hpp"
#include "policy/load.hpp"
#include "sql/analyzer.hpp"
#include "support/tsv.hpp"

namespace fs = std::filesystem;
using namespace pgwarden;

namespace {

struct Case {
  std::string file;
  int line = 0;
  std::string policy, sql, decision, action, object, hint, why;
};

using test::split_tabs;
using test::unescape;

fs::path corpus_dir() { return fs::path(PGWARDEN_SOURCE_DIR) / "tests" / "corpus" / "check"; }

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(corpus_dir())) {
    if (entry.path().extension() != ".tsv") continue;
    std::ifstream in(entry.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty() || line[0] == '#') continue;
      const auto cols = split_tabs(line);
      Case c;
      c.file = entry.path().filename().string();
      c.line = n;
      if (cols.size() < 6) {
        c.why = "MALFORMED: expected at least 6 tab-separated columns";
      } else {
        c.policy = cols[0];
        c.sql = unescape(cols[1]);
        c.decision = cols[2];
        c.action = cols[3];
        c.object = cols[4];
        c.hint = cols[5];
        c.why = cols.size() > 6 ? cols[6] : "";
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

std::string object_text(const sql::ObjectName& o) { return o.schema.empty() ? o.name : o.schema + "." + o.name; }

}  // namespace

TEST(CheckCorpus, EveryCaseGetsItsExpectedVerdict) {
  const auto cases = load_cases();
  std::map<std::string, policy::Policy> policies;
  policies["default"] = policy::Policy::defaults();
  std::set<std::string> actions_seen;
  int failures = 0;
  for (const auto& c : cases) {
    const std::string where = c.file + ":" + std::to_string(c.line) + " (" + c.why + ")";
    ASSERT_EQ(c.why.rfind("MALFORMED", 0), std::string::npos) << where;
    if (policies.count(c.policy) == 0) {
      auto loaded = policy::load_policy_file(corpus_dir() / "policies" / (c.policy + ".toml"));
      ASSERT_TRUE(loaded) << where << ": " << loaded.error().to_string();
      policies[c.policy] = *loaded;
    }
    const auto& pol = policies[c.policy];
    policy::UnitState unit;
    policy::Decision overall = policy::Decision::allow;
    bool found = c.action == "-";
    std::string seen;
    for (const auto& st : sql::analyze(c.sql)) {
      const auto verdict = policy::evaluate(st, pol, unit);
      overall = std::max(overall, verdict.decision);
      for (const auto& f : verdict.findings) {
        actions_seen.insert(std::string(sql::to_string(f.action)));
        seen += std::string(sql::to_string(f.action)) + "(" + object_text(f.object) + ") ";
        if (std::string(sql::to_string(f.action)) == c.action && (c.object == "-" || c.object == object_text(f.object)) &&
            (c.hint == "-" || f.hint.find(c.hint) != std::string::npos)) {
          found = true;
        }
      }
      for (const auto a : verdict.actions) {
        actions_seen.insert(std::string(sql::to_string(a)));
        if (verdict.findings.empty() && std::string(sql::to_string(a)) == c.action && c.object == "-" && c.hint == "-") {
          found = true;
        }
      }
    }
    const bool ok = std::string(policy::to_string(overall)) == c.decision && found;
    if (!ok) ++failures;
    EXPECT_TRUE(ok) << where << "\n  sql: " << c.sql << "\n  expected " << c.decision << " " << c.action << " "
                    << c.object << " hint~'" << c.hint << "'\n  got " << policy::to_string(overall) << " findings: " << seen;
  }
  EXPECT_GE(cases.size(), 300U) << "the corpus must hold at least 300 cases";
  // Every action of the closed list is exercised by some case.
  for (const auto a : sql::all_actions()) {
    EXPECT_TRUE(actions_seen.count(std::string(sql::to_string(a))) != 0) << "no case covers " << sql::to_string(a);
  }
  std::cout << "[ corpus  ] " << cases.size() << " check cases, " << failures << " failed\n";
}

// The cached path (analyzer cache + Evaluator's kept verdicts) says exactly what the uncached
// path says, the first time and every time after.
TEST(CheckCorpus, TheCachedPathGivesTheSameVerdicts) {
  const auto cases = load_cases();
  ASSERT_FALSE(cases.empty());
  std::map<std::string, std::shared_ptr<const policy::Policy>> policies;
  std::map<std::string, std::unique_ptr<policy::Evaluator>> evaluators;
  sql::Analyzer analyzer(4096);
  const auto render = [](const policy::Verdict& v) {
    std::string out = std::string(policy::to_string(v.decision));
    for (const auto& f : v.findings) {
      out += "|" + std::string(sql::to_string(f.action)) + " " + object_text(f.object) + " " + f.message + " " +
             f.detail + " " + f.hint;
    }
    return out;
  };
  // The analyzer keeps a text from its second analysis on: the third round is all cache hits,
  // with the verdicts the second round kept.
  std::size_t kept_verdicts = 0;
  std::size_t statements = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto& c : cases) {
      if (policies.count(c.policy) == 0) {
        auto loaded = c.policy == "default"
                          ? Expected<policy::Policy>(policy::Policy::defaults())
                          : policy::load_policy_file(corpus_dir() / "policies" / (c.policy + ".toml"));
        ASSERT_TRUE(loaded);
        policies[c.policy] = std::make_shared<const policy::Policy>(*loaded);
        evaluators[c.policy] = std::make_unique<policy::Evaluator>(policies[c.policy], true);
      }
      policy::UnitState plain_unit;
      policy::UnitState cached_unit;
      const auto plain = sql::analyze(c.sql);
      const auto cached = analyzer.analyze(c.sql);
      ASSERT_EQ(plain.size(), cached.size()) << c.file << ":" << c.line;
      if (round == 2) statements += plain.size();
      for (std::size_t i = 0; i < plain.size(); ++i) {
        const auto a = policy::evaluate(plain[i], *policies[c.policy], plain_unit);
        bool kept = false;
        const auto b = evaluators[c.policy]->evaluate(cached[i], cached_unit, &kept);
        if (round == 2 && kept) ++kept_verdicts;
        EXPECT_EQ(render(a), render(*b)) << c.file << ":" << c.line << " round " << round;
      }
    }
  }
  // Kept verdicts serve a statement only while its unit is empty: most, not all.
  EXPECT_GT(kept_verdicts, statements / 2) << kept_verdicts << " of " << statements;
}
