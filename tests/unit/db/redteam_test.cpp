// The red-team corpus (tests/corpus/redteam/proxy.tsv, format in support/redteam.hpp) run
// against pgwarden db protect, without the proxy: the scenario's setup runs as a superuser (the
// migration), `db protect` installs the policy's guards (as it is meant to run, after every
// migration, as a superuser), then the attack runs directly on the server as the owner of the
// tables, who is no superuser: the strongest role an application or an agent should hold. The
// data on the server afterwards is the verdict.
//
// What db protect cannot stop is listed, with why, in tests/corpus/redteam/db-limits.tsv; for
// those the test checks that the limit is still what the list says (the data did change), so
// that a limit lifted is noticed and the list kept true.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "support/db_fixture.hpp"
#include "support/redteam.hpp"
#include "support/tsv.hpp"

namespace pgwarden::test {
namespace {

// db-limits.tsv: scenario name, tab, why db protect cannot hold it.
std::map<std::string, std::string> limits() {
  std::map<std::string, std::string> out;
  std::ifstream in(redteam_dir() / "db-limits.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split_tabs(line);
    out[cols[0]] = cols.size() > 1 ? cols[1] : "MALFORMED: no reason given";
  }
  return out;
}

class DbRedTeam : public DbFixture, public ::testing::WithParamInterface<RedTeamScenario> {};

TEST_P(DbRedTeam, TheDataOnTheServerIsUntouched) {
  const RedTeamScenario& s = GetParam();
  ASSERT_FALSE(s.malformed()) << "proxy.tsv:" << s.line << ": " << s.why;
  if (IsSkipped()) return;
  prepare(std::string(k_demo_schema), redteam_policy(s.policy));
  if (HasFatalFailure()) return;
  const auto fill = [&](const std::string& text) { return redteam_fill(text, m_cluster->port(), database()); };
  if (!s.setup.empty()) m_cluster->execute(fill(s.setup), database());
  const auto installed = protect();
  if (HasFatalFailure()) return;
  for (const auto& problem : installed.plan.problems) ADD_FAILURE() << "db protect: " << problem;

  const std::string log = run_attack(s, fill(s.attack), [&](const std::string& extra) {
    return PgConn(PQconnectdb((conninfo(k_owner) + " " + extra).c_str()));
  });
  const std::string got = redteam_check(*m_cluster, fill(s.check), database());
  const auto all = limits();
  if (const auto limit = all.find(s.name); limit != all.end()) {
    EXPECT_NE(got, s.expected) << s.name << " is listed in db-limits.tsv (" << limit->second
                               << ") but db protect now holds it: take it off the list\n"
                               << log;
    return;
  }
  EXPECT_EQ(got, s.expected) << "proxy.tsv:" << s.line << " " << s.name << ": " << s.why << "\n" << log;
}

INSTANTIATE_TEST_SUITE_P(Corpus, DbRedTeam, ::testing::ValuesIn(load_redteam()),
                         [](const ::testing::TestParamInfo<RedTeamScenario>& info) { return info.param.name; });

TEST(DbRedTeamLimits, EveryListedLimitIsAScenarioOfTheCorpus) {
  std::set<std::string> names;
  for (const auto& s : load_redteam()) names.insert(s.name);
  for (const auto& [name, why] : limits()) {
    EXPECT_TRUE(names.count(name) == 1) << "db-limits.tsv names " << name << ", which proxy.tsv has not";
    EXPECT_EQ(why.rfind("MALFORMED", 0), std::string::npos) << name << ": " << why;
  }
}

}  // namespace
}  // namespace pgwarden::test
