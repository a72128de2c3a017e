// Functions and triggers are not a way around the policy: the proxy reads the bodies of the user
// functions a statement calls and of the triggers on the tables it writes to, and judges them
// as if the client had sent them. The routines are created directly on the server (as a
// migration run elsewhere would), because creating them through the proxy is itself refused.
#include <libpq-fe.h>

#include <gtest/gtest.h>

#include "support/proxy_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr std::string_view k_routines = R"(
CREATE FUNCTION purge_users() RETURNS void LANGUAGE sql AS $$ DELETE FROM users $$;
CREATE PROCEDURE archive() LANGUAGE plpgsql AS $$ BEGIN TRUNCATE ledger_entries; END $$;
CREATE FUNCTION active_users() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users WHERE deleted_at IS NULL $$;
CREATE FUNCTION cleanup() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM purge_users(); END $$;
CREATE FUNCTION forget_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN DELETE FROM ledger_entries WHERE account_id = NEW.user_id; RETURN NEW; END $$;
CREATE TRIGGER sessions_forget AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION forget_ledger();
)";

class ProxyRoutines : public ProxyFixture {
 protected:
  void SetUp() override {
    proxy::ProxyConfig config;
    std::string why;
    auto* cluster = PgCluster::shared(&why);
    if (cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
    config.lookup = "host=127.0.0.1 port=" + std::to_string(cluster->port()) + " user=postgres";
    start(k_demo_policy, config);
    if (IsSkipped() || HasFatalFailure()) return;
    m_cluster->execute(k_routines, m_database);
  }
};

TEST_F(ProxyRoutines, CallingAFunctionWhoseBodyIsRefusedIsRefused) {
  auto c = connect();
  const auto r = exec(c.get(), "SELECT purge_users()");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_NE(r.message.find("purge_users()"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("delete_all"), std::string::npos) << r.message;
  EXPECT_NE(r.hint.find("UPDATE users SET deleted_at = now()"), std::string::npos) << r.hint;
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
  // The same through the extended protocol.
  EXPECT_EQ(read_result(PQexecParams(c.get(), "SELECT purge_users()", 0, nullptr, nullptr, nullptr, nullptr, 0)).sqlstate,
            "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
}

TEST_F(ProxyRoutines, CallingAProcedureWhoseBodyIsRefusedIsRefused) {
  auto c = connect();
  EXPECT_EQ(exec(c.get(), "CALL archive()").sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
}

TEST_F(ProxyRoutines, AHarmlessFunctionRuns) {
  auto c = connect();
  EXPECT_EQ(exec(c.get(), "SELECT active_users()").value(), "2");
  EXPECT_EQ(exec(c.get(), "SELECT now() IS NOT NULL").value(), "t");  // built in: nothing to read
}

TEST_F(ProxyRoutines, AFunctionCallingARefusedFunctionIsRefused) {
  auto c = connect();
  const auto r = exec(c.get(), "SELECT cleanup()");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
}

TEST_F(ProxyRoutines, AWriteThatFiresARefusedTriggerIsRefused) {
  auto c = connect();
  const auto r = exec(c.get(), "INSERT INTO sessions (user_id) VALUES (1)");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_NE(r.message.find("triggers of public.sessions"), std::string::npos) << r.message;
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries WHERE account_id = 1"), "1");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions"), "2");
  // Dropping a trigger on a protected table through the proxy is itself refused: it may be the
  // table's safeguard.
  EXPECT_EQ(exec(c.get(), "DROP TRIGGER IF EXISTS sessions_forget ON sessions").sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM pg_trigger WHERE tgname = 'sessions_forget'"), "1");
  // Once the trigger is disabled (on the server), the insert is fine... after the cache expires
  // or a routine change passes through the proxy; here one does.
  m_cluster->execute("ALTER TABLE sessions DISABLE TRIGGER sessions_forget", m_database);
  ASSERT_TRUE(exec(c.get(), "ALTER FUNCTION forget_ledger() COST 100").ok());
  EXPECT_TRUE(exec(c.get(), "INSERT INTO sessions (user_id) VALUES (1)").ok());
}

TEST_F(ProxyRoutines, AFunctionChangedThroughTheProxyIsLookedUpAgain) {
  auto c = connect();
  EXPECT_EQ(exec(c.get(), "SELECT active_users()").value(), "2");
  // Replaced behind the proxy's back with a destructive body, then touched through the proxy.
  m_cluster->execute("CREATE OR REPLACE FUNCTION active_users() RETURNS bigint LANGUAGE sql AS "
                     "$$ DELETE FROM users; SELECT 0::bigint $$",
                     m_database);
  ASSERT_TRUE(exec(c.get(), "ALTER FUNCTION active_users() COST 100").ok());
  EXPECT_EQ(exec(c.get(), "SELECT active_users()").sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
}

}  // namespace
}  // namespace pgwarden::test
