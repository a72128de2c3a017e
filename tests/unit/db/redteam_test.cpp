// The red-team corpus (tests/corpus/redteam/proxy.tsv, format in support/redteam.hpp) run
// against pgwarden db protect, without the proxy: the scenario's setup runs as a superuser (the
// migration), `db protect` installs the policy's guards (as it is meant to run, after every
// migration, as a superuser), then the attack runs directly on the server as the owner of the
// tables, who is no superuser: the strongest role an application or an agent should hold. The
// data on the server afterwards is the verdict.
//
// What db protect cannot stop is listed, with why, in tests/corpus/redteam/db-limits.tsv; for
// those the test checks that the limit is still what the list says (the data did change), so
// that a limit lifted is noticed and the list kept true (redteam_verdict).
#include <gtest/gtest.h>

#include <set>

#include "support/db_fixture.hpp"
#include "support/redteam.hpp"

namespace pgwarden::test {
namespace {

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
  EXPECT_TRUE(redteam_verdict(s, got, redteam_limits("db-limits.tsv"), "db-limits.tsv", log));
}

INSTANTIATE_TEST_SUITE_P(Corpus, DbRedTeam, ::testing::ValuesIn(load_redteam()),
                         [](const ::testing::TestParamInfo<RedTeamScenario>& info) { return info.param.name; });

TEST(RedTeamLimits, EveryListedLimitIsAScenarioOfTheCorpusAndSaysWhy) {
  std::set<std::string> names;
  for (const auto& s : load_redteam()) names.insert(s.name);
  for (const char* file : {"db-limits.tsv", "proxy-limits.tsv"}) {
    for (const auto& [name, why] : redteam_limits(file)) {
      EXPECT_TRUE(names.count(name) == 1) << file << " names " << name << ", which proxy.tsv has not";
      EXPECT_EQ(why.rfind("MALFORMED", 0), std::string::npos) << file << ": " << name << ": " << why;
    }
  }
  // A way through that neither door holds is a hole, not a limit.
  const auto db = redteam_limits("db-limits.tsv");
  for (const auto& [name, why] : redteam_limits("proxy-limits.tsv")) {
    EXPECT_EQ(db.count(name), 0U) << name << " is listed as a limit of both the proxy and db protect";
  }
}

}  // namespace
}  // namespace pgwarden::test
