// The red-team corpus (tests/corpus/redteam/proxy.tsv, format in support/redteam.hpp): every way
// around the guard found by trying it as an attacker with the database's credentials, run through
// a real `pgwarden proxy` with its lookup connection against a real PostgreSQL 15, and judged by
// the data on the server afterwards, not by the error text. The attacker connects as the
// superuser: the proxy holds against whoever speaks through it. What it cannot see is listed in
// tests/corpus/redteam/proxy-limits.tsv (db protect holds those: tests/unit/db/redteam_test.cpp).
#include <gtest/gtest.h>

#include "support/proxy_fixture.hpp"
#include "support/redteam.hpp"

namespace pgwarden::test {
namespace {

class RedTeam : public ProxyFixture, public ::testing::WithParamInterface<RedTeamScenario> {};

TEST_P(RedTeam, TheDataOnTheServerIsUntouched) {
  const RedTeamScenario& s = GetParam();
  ASSERT_FALSE(s.malformed()) << "proxy.tsv:" << s.line << ": " << s.why;
  std::string why;
  if (PgCluster::shared(&why) == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
  proxy::ProxyConfig config;
  config.lookup = "user=postgres";  // the upstream's host and port are filled in by the proxy
  start(redteam_policy(s.policy), config);
  if (IsSkipped() || HasFatalFailure()) return;
  const auto fill = [&](const std::string& text) { return redteam_fill(text, m_cluster->port(), m_database); };
  if (!s.setup.empty()) m_cluster->execute(fill(s.setup), m_database);

  const std::string log =
      run_attack(s, fill(s.attack), [&](const std::string& extra) { return PgConn(PQconnectdb(conninfo(extra).c_str())); });
  const std::string got = redteam_check(*m_cluster, fill(s.check), m_database);
  EXPECT_TRUE(redteam_verdict(s, got, redteam_limits("proxy-limits.tsv"), "proxy-limits.tsv", log));
}

INSTANTIATE_TEST_SUITE_P(Corpus, RedTeam, ::testing::ValuesIn(load_redteam()),
                         [](const ::testing::TestParamInfo<RedTeamScenario>& info) { return info.param.name; });

}  // namespace
}  // namespace pgwarden::test
