// Ways around the guard that need the protocol itself (the scenarios that only need SQL are the
// red-team corpus, redteam_test.cpp): startup packets with settings and replication spellings
// libpq will not send, prepared statements bound after the state they were judged in changed,
// superuser sessions a profile refuses, a lookup connection that is down, a user function that
// shadows a built-in's name, and client encodings the proxy converts. Every case checks the data
// on the server afterwards, or that nothing reached the server at all.
#include <libpq-fe.h>

#include <gtest/gtest.h>

#include "db/protect.hpp"
#include "policy/load.hpp"
#include "support/proxy_fixture.hpp"
#include "support/raw_client.hpp"
#include "support/redteam.hpp"

namespace pgwarden::test {
namespace {

constexpr std::string_view k_guard = R"(
CREATE FUNCTION guard_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'guard'; END $$;
CREATE TRIGGER guard BEFORE UPDATE OR DELETE ON currencies FOR EACH ROW EXECUTE FUNCTION guard_refuse();
)";

class ProxyHoles : public ProxyFixture {
 protected:
  void SetUp() override {
    std::string why;
    auto* cluster = PgCluster::shared(&why);
    if (cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
    proxy::ProxyConfig config;
    config.lookup = "user=postgres";
    start(k_demo_policy, config);
    if (IsSkipped() || HasFatalFailure()) return;
    m_cluster->execute(k_guard, m_database);
  }

  // The first message the proxy answers a startup packet with; a FATAL before any
  // AuthenticationRequest means nothing reached the server.
  Message first_answer(const std::vector<std::pair<std::string, std::string>>& parameters) {
    RawClient client(m_port);
    EXPECT_TRUE(client.connected());
    client.send(startup_packet(m_database, "holes", parameters));
    const auto m = client.read_message();
    return m ? *m : Message{};
  }
};

TEST_F(ProxyHoles, AStartupParameterThatSwitchesTriggersOffEndsTheConnectionBeforeTheServer) {
  const Message m = first_answer({{"session_replication_role", "replica"}});
  EXPECT_EQ(m.type, 'E');
  EXPECT_EQ(m.field('S'), "FATAL");
  EXPECT_EQ(m.field('C'), "42501");
  EXPECT_NE(m.field('M').find("session_replication_role=replica"), std::string::npos) << m.field('M');
  EXPECT_NE(m.field('M').find("disable_safeguard"), std::string::npos) << m.field('M');
  // The same setting in options, in every spelling PostgreSQL reads.
  for (const char* options : {"-c session_replication_role=replica", "-csession_replication_role=replica",
                              "--session_replication_role=replica", "--session-replication-role=replica",
                              "-c\\ x=1 -c session_replication_role=replica", "-c row_security=off",
                              "-O", "-P"}) {
    const Message o = first_answer({{"options", options}});
    EXPECT_EQ(o.type, 'E') << options;
    EXPECT_EQ(o.field('S'), "FATAL") << options;
  }
  // An ordinary setting passes, and the session works.
  RawClient client(m_port);
  ASSERT_TRUE(client.send(startup_packet(m_database, "holes", {{"options", "-c work_mem=8MB"}})));
  bool ready = false;
  for (int i = 0; i < 50 && !ready; ++i) {
    const auto r = client.read_message();
    ASSERT_TRUE(r.has_value());
    ASSERT_NE(r->type, 'E') << r->field('M');
    ready = r->type == 'Z';
  }
  EXPECT_TRUE(ready);
}

TEST_F(ProxyHoles, EverySpellingOfReplicationIsRefused) {
  for (const char* value : {"true", "TRUE", "t", "tr", "y", "yes", "YES", "on", "On", "1", "database"}) {
    const Message m = first_answer({{"replication", value}});
    EXPECT_EQ(m.type, 'E') << value;
    EXPECT_EQ(m.field('C'), "42501") << value;
    EXPECT_NE(m.field('M').find("replication"), std::string::npos) << value << ": " << m.field('M');
  }
  // Spellings of false are ordinary sessions.
  for (const char* value : {"false", "off", "no", "0"}) {
    const Message m = first_answer({{"replication", value}});
    EXPECT_EQ(m.type, 'R') << value << ": " << m.field('M');
  }
}

TEST_F(ProxyHoles, APreparedStatementIsJudgedAgainWhenTheTempTableItWasJudgedForIsGone) {
  auto c = connect();
  ASSERT_TRUE(exec(c.get(), "CREATE TEMP TABLE ledger_entries (id int)").ok());
  // Judged against the temp table: allowed.
  ASSERT_EQ(read_result(PQprepare(c.get(), "wipe", "DELETE FROM ledger_entries", 0, nullptr)).status, PGRES_COMMAND_OK);
  ASSERT_EQ(read_result(PQprepare(c.get(), "empty", "TRUNCATE ledger_entries", 0, nullptr)).status, PGRES_COMMAND_OK);
  ASSERT_TRUE(exec(c.get(), "DROP TABLE ledger_entries").ok());
  // PostgreSQL resolves the names again at execution: now they are the real ledger.
  const auto r = read_result(PQexecPrepared(c.get(), "wipe", 0, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(r.sqlstate, "42501") << r.message;
  EXPECT_EQ(read_result(PQexecPrepared(c.get(), "empty", 0, nullptr, nullptr, nullptr, 0)).sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
}

TEST_F(ProxyHoles, APreparedStatementIsJudgedAgainAfterTheSearchPathChanged) {
  auto c = connect();
  ASSERT_TRUE(exec(c.get(), "CREATE TEMP TABLE ledger_entries (id int)").ok());
  ASSERT_EQ(read_result(PQprepare(c.get(), "wipe", "DELETE FROM ledger_entries", 0, nullptr)).status, PGRES_COMMAND_OK);
  ASSERT_TRUE(exec(c.get(), "SET search_path = public, pg_temp").ok());
  EXPECT_EQ(read_result(PQexecPrepared(c.get(), "wipe", 0, nullptr, nullptr, nullptr, 0)).sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
  // Back where the temp table comes first, the statement deletes from it, as judged.
  ASSERT_TRUE(exec(c.get(), "RESET search_path").ok());
  EXPECT_EQ(read_result(PQexecPrepared(c.get(), "wipe", 0, nullptr, nullptr, nullptr, 0)).status, PGRES_COMMAND_OK);
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
}

TEST_F(ProxyHoles, AProfileThatRefusesSuperusersClosesTheirSessions) {
  TearDown();
  proxy::ProxyConfig config;
  std::string policy(k_demo_policy);
  policy += "\n[[profiles]]\nname = \"everyone\"\nsuperuser = false\n";
  start(policy, config);
  PgConn c(PQconnectdb(conninfo().c_str()));
  EXPECT_NE(PQstatus(c.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(c.get())).find("superuser"), std::string::npos) << PQerrorMessage(c.get());
  // A role without superuser connects and works.
  PgConn md5(PQconnectdb(conninfo("user=md5user password=md5pass").c_str()));
  ASSERT_EQ(PQstatus(md5.get()), CONNECTION_OK) << PQerrorMessage(md5.get());
  EXPECT_EQ(exec(md5.get(), "SELECT 1").value(), "1");
}

TEST_F(ProxyHoles, ASuperuserSessionCannotBeReachedBySetRoleEither) {
  TearDown();
  m_cluster->execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'holes_admin') THEN "
                     "CREATE ROLE holes_admin SUPERUSER; END IF; END $$; GRANT holes_admin TO md5user");
  std::string policy(k_demo_policy);
  policy += "\n[[profiles]]\nname = \"apps\"\nmatch = { user = \"md5user\" }\nsuperuser = false\n";
  start(policy, {});
  PgConn c(PQconnectdb(conninfo("user=md5user password=md5pass").c_str()));
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  exec(c.get(), "SET ROLE holes_admin");
  // The server reports the session superuser now: the proxy ends it.
  EXPECT_FALSE(exec(c.get(), "UPDATE currencies SET rate = 0").ok());
  EXPECT_EQ(direct_scalar("SELECT rate FROM currencies"), "1.0");
}

TEST_F(ProxyHoles, WithTheLookupDownBuiltInFunctionsStillWorkAndWhatNeedsTheLookupIsRefused) {
  TearDown();
  proxy::ProxyConfig config;
  config.lookup = "host=127.0.0.1 port=" + std::to_string(free_port()) + " user=postgres connect_timeout=2";
  start(k_demo_policy, config);
  m_cluster->execute("CREATE FUNCTION active_users() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users $$",
                     m_database);
  auto c = connect();
  EXPECT_EQ(exec(c.get(), "SELECT count(*) FROM users").value(), "2");
  EXPECT_EQ(exec(c.get(), "SELECT lower('A') || now()::date::text IS NOT NULL").value(), "t");
  // A user function's body cannot be read: its call is not let through.
  const auto r = exec(c.get(), "SELECT active_users()");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_NE(r.hint.find("lookup"), std::string::npos) << r.hint;
}

// A view whose name a glob allows writes through to a protected table; without the catalog the
// name is all there is, so no write passes until the catalog can be read.
TEST_F(ProxyHoles, WithTheCatalogUnreadableReadsGoOnAndWritesAreRefused) {
  TearDown();
  proxy::ProxyConfig config;
  config.lookup = "host=127.0.0.1 port=" + std::to_string(free_port()) + " user=postgres connect_timeout=2";
  start(redteam_policy("scratch"), config);
  m_cluster->execute("CREATE VIEW scratch_users AS SELECT * FROM users; CREATE TABLE scratch_t (id int)",
                     m_database);
  auto c = connect();
  EXPECT_EQ(exec(c.get(), "SELECT count(*) FROM scratch_users").value(), "2");
  for (const char* write : {"DELETE FROM scratch_users", "TRUNCATE scratch_t", "INSERT INTO scratch_t VALUES (1)"}) {
    const auto r = exec(c.get(), write);
    EXPECT_EQ(r.sqlstate, "42501") << write;
    EXPECT_NE(r.message.find("cannot read what the database's relations are"), std::string::npos) << r.message;
    EXPECT_NE(r.hint.find("lookup"), std::string::npos) << r.hint;
  }
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM scratch_t"), "0");
}

// The lookup's own connection killed, then DDL that makes the proxy read the catalog again: the
// read opens a new connection, and the view is still known for what it writes to.
TEST_F(ProxyHoles, ALookupConnectionKilledIsOpenedAgainAndTheViewStaysKnown) {
  TearDown();
  proxy::ProxyConfig config;
  config.lookup = "user=postgres";
  start(redteam_policy("scratch"), config);
  m_cluster->execute("CREATE VIEW scratch_users AS SELECT * FROM users", m_database);
  auto c = connect();
  EXPECT_EQ(exec(c.get(), "DELETE FROM scratch_users").sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
                          "'pgwarden-lookup' AND datname = current_database()"),
            "1");
  EXPECT_EQ(exec(c.get(), "CREATE TABLE scratch_zz (id int)").tag, "CREATE TABLE");
  const auto r = exec(c.get(), "DELETE FROM scratch_users");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_NE(r.message.find("users"), std::string::npos) << r.message;
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
}

// db protect's registry keeps the name a table was protected under: a table renamed around the
// proxy before it ever read the catalog is still refused by the proxy itself, not only by the
// guard in the database.
TEST_F(ProxyHoles, ATableRenamedBeforeTheProxyLookedKeepsTheNameDbProtectRegisteredItUnder) {
  // Deleting is allowed, except from users: by its name alone, `members` may be emptied.
  constexpr std::string_view k_policy = R"(
[policy]
name = "Registry Policy"

[actions]
delete = "allow"

[[tables]]
name = "users"
actions = { delete = "deny" }
)";
  TearDown();
  proxy::ProxyConfig config;
  config.lookup = "user=postgres";
  start(k_policy, config);
  const auto policy = policy::parse_policy(k_policy, "pgwarden.toml");
  ASSERT_TRUE(policy) << policy.error().to_string();
  db::ProtectOptions options;
  options.conninfo = m_cluster->conninfo(m_database, "postgres");
  options.policy_text = std::string(k_policy);
  options.version = "test";
  const auto installed = db::protect(*policy, options);
  ASSERT_TRUE(installed && installed->applied) << (installed ? "" : installed.error().to_string());
  // A superuser renames it behind the event trigger's back.
  m_cluster->execute("ALTER EVENT TRIGGER pgwarden_ddl_command_end DISABLE; ALTER TABLE users RENAME TO members; "
                     "ALTER EVENT TRIGGER pgwarden_ddl_command_end ENABLE",
                     m_database);
  auto c = connect();
  const auto r = exec(c.get(), "DELETE FROM members WHERE id = 1");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_NE(r.message.find("users"), std::string::npos) << r.message;
  // The proxy refused it (its record says so); the guard never had to.
  EXPECT_NE(record().find("DELETE FROM members"), std::string::npos) << record();
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM members"), "2");
}

TEST_F(ProxyHoles, AUserFunctionThatShadowsABuiltInNameIsReadNotTakenForTheBuiltIn) {
  m_cluster->execute("CREATE FUNCTION public.lower(integer) RETURNS text LANGUAGE sql AS "
                     "$$ DELETE FROM users RETURNING 'x' $$",
                     m_database);
  auto c = connect();
  const auto r = exec(c.get(), "SELECT lower(1)");
  EXPECT_EQ(r.sqlstate, "42501") << r.message;
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
  // pgwarden cannot tell overloads apart by argument types: every call of the name is judged by
  // the user's function too (stricter). Other built-ins are not affected.
  EXPECT_EQ(exec(c.get(), "SELECT lower('A')").sqlstate, "42501");
  EXPECT_EQ(exec(c.get(), "SELECT upper('a')").value(), "A");
}

TEST_F(ProxyHoles, HiddenCallsThatDoNoHarmAreLetThrough) {
  // What operators, domains, casts, indexes, trigger conditions and view definitions call is read
  // and judged like any body: harmless functions pass (only what they do is refused).
  m_cluster->execute(
      "CREATE FUNCTION ok_b(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT $1 < $2 $$; "
      "CREATE OPERATOR <#> (LEFTARG = int, RIGHTARG = int, FUNCTION = ok_b); "
      "CREATE FUNCTION ok_v(int) RETURNS boolean LANGUAGE sql AS $$ SELECT $1 > 0 $$; "
      "CREATE DOMAIN positive AS int CHECK (ok_v(VALUE)); "
      "CREATE FUNCTION ok_n() RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int FROM users $$; "
      "CREATE FUNCTION ok_i(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 * 2 $$; "
      "CREATE TABLE scratch_ok (v positive CHECK (v <#> 100)); CREATE INDEX ON scratch_ok (ok_i(v)); "
      "CREATE VIEW scratch_okv AS SELECT ok_n() AS n; "
      "CREATE FUNCTION label(sessions) RETURNS text LANGUAGE sql AS $$ SELECT 'session ' || $1.id $$",
      m_database);
  auto c = connect();
  EXPECT_EQ(exec(c.get(), "SELECT 1 <#> 2").value(), "t");
  EXPECT_TRUE(exec(c.get(), "INSERT INTO scratch_ok VALUES (5)").ok());
  EXPECT_EQ(exec(c.get(), "SELECT 7::positive").value(), "7");
  EXPECT_EQ(exec(c.get(), "SELECT n FROM scratch_okv").value(), "2");
  EXPECT_EQ(exec(c.get(), "SELECT count(s.label) FROM sessions s").sqlstate, "") << "s.label is label(s)";
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM scratch_ok"), "1");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
}

TEST_F(ProxyHoles, ALatin1ClientsTextIsConvertedAndJudgedAndItsDataArrives) {
  auto c = connect("client_encoding=LATIN1");
  const auto r = exec(c.get(), "INSERT INTO users (email, status) VALUES ('caf\xe9@example.com', 'active')");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users WHERE email = 'caf\xc3\xa9@example.com'"), "1");
  // And a refusal points at the statement in the client's own characters.
  const auto refused = exec(c.get(), "SELECT 'caf\xe9'; DELETE FROM users");
  EXPECT_EQ(refused.sqlstate, "42501");
  EXPECT_EQ(refused.position, "16");  // `SELECT 'café'; ` is 15 characters (16 bytes in UTF-8)
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "3");
}

TEST_F(ProxyHoles, UnderSjisAsciiTextWorksAndNonAsciiTextIsRefusedWithTheReason) {
  auto c = connect("client_encoding=SJIS");
  EXPECT_EQ(exec(c.get(), "SELECT count(*) FROM users").value(), "2");
  const auto r = exec(c.get(), "SELECT '\x95\x5c'");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_NE(r.message.find("SJIS"), std::string::npos) << r.message;
  EXPECT_NE(r.hint.find("UTF8"), std::string::npos) << r.hint;
}

}  // namespace
}  // namespace pgwarden::test
