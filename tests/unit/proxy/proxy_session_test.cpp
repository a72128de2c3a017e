// The proxy in front of a real PostgreSQL 15, driven by libpq: what a refused statement looks
// like to a client, and that nothing refused reaches the server while the session stays usable
// and its transaction state stays what PostgreSQL would report.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <thread>

#include "support/proxy_fixture.hpp"

namespace pgwarden::test {
namespace {

class ProxySession : public ProxyFixture {
 protected:
  void SetUp() override { start(k_demo_policy); }
};

TEST_F(ProxySession, RefusalIsA42501ErrorWithPolicyAndAlternative) {
  auto c = connect();
  const auto r = exec(c.get(), "DELETE FROM users WHERE id = 1");
  EXPECT_EQ(r.status, PGRES_FATAL_ERROR);
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_NE(r.message.find("delete"), std::string::npos) << r.message;
  EXPECT_NE(r.detail.find("Ledger Immutability Policy"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("docs/IMMUTABILITY.md"), std::string::npos) << r.detail;
  EXPECT_NE(r.hint.find("UPDATE users SET deleted_at = now() WHERE id = 1"), std::string::npos)
      << r.hint;
  EXPECT_EQ(r.position, "1");
  // Nothing reached the server, and the session goes on.
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users WHERE deleted_at IS NULL"), "2");
  EXPECT_EQ(exec(c.get(), "SELECT count(*) FROM users").value(), "2");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
}

TEST_F(ProxySession, MultiStatementQueryIsJudgedWholeAndNothingOfItRuns) {
  auto c = connect();
  const auto r = exec(c.get(),
                      "INSERT INTO sessions (user_id) VALUES (7); DROP TABLE ledger_entries; "
                      "INSERT INTO sessions (user_id) VALUES (8)");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_EQ(r.position, "44");  // the DROP, in characters
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions WHERE user_id IN (7, 8)"), "0");
  EXPECT_EQ(direct_scalar("SELECT to_regclass('ledger_entries') IS NOT NULL"), "t");
}

TEST_F(ProxySession, RefusalInsideATransactionAbortsItAsPostgreSQLWould) {
  auto c = connect();
  ASSERT_TRUE(exec(c.get(), "BEGIN").ok());
  ASSERT_TRUE(exec(c.get(), "INSERT INTO sessions (user_id) VALUES (42)").ok());
  EXPECT_EQ(exec(c.get(), "TRUNCATE ledger_entries").sqlstate, "42501");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  // Like after any error: later statements fail with 25P02 and COMMIT rolls back.
  EXPECT_EQ(exec(c.get(), "SELECT 1").sqlstate, "25P02");
  const auto commit = exec(c.get(), "COMMIT");
  EXPECT_EQ(commit.tag, "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions WHERE user_id = 42"), "0");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
}

TEST_F(ProxySession, RollbackToSavepointRecoversAfterARefusal) {
  auto c = connect();
  ASSERT_TRUE(exec(c.get(), "BEGIN").ok());
  ASSERT_TRUE(exec(c.get(), "INSERT INTO sessions (user_id) VALUES (43)").ok());
  ASSERT_TRUE(exec(c.get(), "SAVEPOINT before_cleanup").ok());
  EXPECT_EQ(exec(c.get(), "DELETE FROM ledger_entries WHERE id = 1").sqlstate, "42501");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  ASSERT_TRUE(exec(c.get(), "ROLLBACK TO SAVEPOINT before_cleanup").ok());
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  ASSERT_TRUE(exec(c.get(), "INSERT INTO sessions (user_id) VALUES (44)").ok());
  EXPECT_EQ(exec(c.get(), "COMMIT").tag, "COMMIT");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions WHERE user_id IN (43, 44)"), "2");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
}

TEST_F(ProxySession, PreparedStatementsAreJudgedAtParseAndRefusedAtEveryExecute) {
  auto c = connect();
  auto prepared = read_result(PQprepare(c.get(), "wipe", "DELETE FROM ledger_entries", 0, nullptr));
  EXPECT_EQ(prepared.sqlstate, "42501");
  auto executed = read_result(PQexecPrepared(c.get(), "wipe", 0, nullptr, nullptr, nullptr, 0));
  EXPECT_EQ(executed.status, PGRES_FATAL_ERROR);
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
  // An allowed prepared statement runs, with parameters, after the refusals.
  ASSERT_EQ(read_result(PQprepare(c.get(), "add",
                                  "INSERT INTO ledger_entries (account_id, amount) VALUES ($1, $2)",
                                  2, nullptr))
                .status,
            PGRES_COMMAND_OK);
  const char* values[] = {"3", "-100"};
  EXPECT_EQ(read_result(PQexecPrepared(c.get(), "add", 2, values, nullptr, nullptr, 0)).status,
            PGRES_COMMAND_OK);
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "3");
}

TEST_F(ProxySession, RefusedUnnamedStatementDoesNotLeaveTheOldOneRunnable) {
  auto c = connect();
  // PQexecParams: unnamed Parse + Bind + Describe + Execute + Sync.
  const char* v[] = {"5"};
  EXPECT_EQ(read_result(PQexecParams(c.get(), "INSERT INTO sessions (user_id) VALUES ($1::int)", 1,
                                     nullptr, v, nullptr, nullptr, 0))
                .status,
            PGRES_COMMAND_OK);
  EXPECT_EQ(read_result(PQexecParams(c.get(), "DELETE FROM users", 0, nullptr, nullptr, nullptr,
                                     nullptr, 0))
                .sqlstate,
            "42501");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM users"), "2");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions WHERE user_id = 5"), "1");
  EXPECT_EQ(exec(c.get(), "SELECT 1").value(), "1");
}

TEST_F(ProxySession, PipelineRefusalRollsBackTheBatchLikeAnError) {
  auto c = connect();
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "INSERT INTO sessions (user_id) VALUES (61)", 0, nullptr,
                              nullptr, nullptr, nullptr, 0),
            1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "TRUNCATE ledger_entries", 0, nullptr, nullptr, nullptr,
                              nullptr, 0),
            1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "INSERT INTO sessions (user_id) VALUES (62)", 0, nullptr,
                              nullptr, nullptr, nullptr, 0),
            1);
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  std::vector<ExecStatusType> seen;
  std::string refused_state;
  for (int i = 0; i < 3; ++i) {
    PGresult* r;
    while ((r = PQgetResult(c.get())) != nullptr) {
      seen.push_back(PQresultStatus(r));
      if (PQresultStatus(r) == PGRES_FATAL_ERROR)
        refused_state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      PQclear(r);
    }
  }
  PGresult* sync = PQgetResult(c.get());
  ASSERT_NE(sync, nullptr);
  EXPECT_EQ(PQresultStatus(sync), PGRES_PIPELINE_SYNC);
  PQclear(sync);
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1);
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0], PGRES_COMMAND_OK);
  EXPECT_EQ(seen[1], PGRES_FATAL_ERROR);
  EXPECT_EQ(seen[2], PGRES_PIPELINE_ABORTED);
  EXPECT_EQ(refused_state, "42501");
  // The implicit transaction of the batch ended in an error: the first INSERT is gone too.
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions WHERE user_id IN (61, 62)"), "0");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
  EXPECT_EQ(exec(c.get(), "SELECT 2").value(), "2");
}

TEST_F(ProxySession, ARefusedParseBeforeAFlushIsAnsweredAtOnceAndItsReadyForQueryWaitsForSync) {
  auto c = connect();
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_EQ(PQsendPrepare(c.get(), "wipe", "TRUNCATE ledger_entries", 0, nullptr), 1);
  ASSERT_EQ(PQsendFlushRequest(c.get()), 1);  // Flush, no Sync
  ASSERT_EQ(PQflush(c.get()), 0);
  // The error arrives without a Sync (libpq would call a ReadyForQuery now a protocol error).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (PQisBusy(c.get()) == 1 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(PQconsumeInput(c.get()), 1) << PQerrorMessage(c.get());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(PQisBusy(c.get()), 0) << "no answer to Parse + Flush";
  auto refused = read_result(PQgetResult(c.get()));
  EXPECT_EQ(refused.sqlstate, "42501");
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  // Then the Sync gets exactly one ReadyForQuery, and the session goes on.
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  PGresult* sync = PQgetResult(c.get());
  ASSERT_NE(sync, nullptr);
  EXPECT_EQ(PQresultStatus(sync), PGRES_PIPELINE_SYNC);
  PQclear(sync);
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1) << PQerrorMessage(c.get());
  EXPECT_EQ(exec(c.get(), "SELECT count(*) FROM ledger_entries").value(), "2");
}

TEST_F(ProxySession, AStatementRefusedBehindARunningOneIsAnsweredInOrder) {
  auto c = connect();
  // Two batches in one write: the first still runs on the server when the second is refused;
  // the refusal must come after the first one's ReadyForQuery, not before.
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT pg_sleep(0.3), 'second'", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  ASSERT_EQ(PQsendQueryParams(c.get(), "DELETE FROM ledger_entries", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  const auto second = read_result(PQgetResult(c.get()));
  EXPECT_EQ(second.status, PGRES_TUPLES_OK);
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  PGresult* sync1 = PQgetResult(c.get());
  EXPECT_EQ(PQresultStatus(sync1), PGRES_PIPELINE_SYNC);
  PQclear(sync1);
  EXPECT_EQ(read_result(PQgetResult(c.get())).sqlstate, "42501");
  EXPECT_EQ(PQgetResult(c.get()), nullptr);
  PGresult* sync2 = PQgetResult(c.get());
  EXPECT_EQ(PQresultStatus(sync2), PGRES_PIPELINE_SYNC);
  PQclear(sync2);
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1) << PQerrorMessage(c.get());
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "2");
}

TEST_F(ProxySession, TablesCreatedInTheSessionAreNotProtectedAndRenamedOnesStayProtected) {
  auto c = connect();
  ASSERT_TRUE(exec(c.get(), "CREATE TABLE ledger_scratch (id int)").ok());
  EXPECT_TRUE(exec(c.get(), "DROP TABLE ledger_scratch").ok());
  // A rename warns (and is recorded); the renamed ledger keeps its protection.
  ASSERT_TRUE(exec(c.get(), "ALTER TABLE ledger_entries RENAME TO archive_2024").ok());
  EXPECT_EQ(exec(c.get(), "DROP TABLE archive_2024").sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT to_regclass('archive_2024') IS NOT NULL"), "t");
  // Another session never renamed it: there the name is not a ledger.
  auto other = connect();
  EXPECT_EQ(exec(other.get(), "DELETE FROM archive_2024").sqlstate,
            "42501");  // delete_all = deny everywhere
}

TEST_F(ProxySession, ACreateTheServerRejectsDoesNotUnprotectTheTable) {
  auto c = connect();
  // ledger_entries exists: the CREATE fails on the server, so the session created nothing.
  EXPECT_EQ(exec(c.get(), "CREATE TABLE ledger_entries (id int)").sqlstate, "42P07");
  EXPECT_EQ(exec(c.get(), "DROP TABLE ledger_entries").sqlstate, "42501");
  EXPECT_EQ(direct_scalar("SELECT to_regclass('ledger_entries') IS NOT NULL"), "t");
}

TEST_F(ProxySession, CopyIntoATableIsJudgedByItsStatement) {
  auto c = connect();
  auto r = read_result(PQexec(c.get(), "COPY sessions (user_id) FROM STDIN"));
  ASSERT_EQ(r.status, PGRES_COPY_IN);
  ASSERT_EQ(PQputCopyData(c.get(), "71\n72\n", 6), 1);
  ASSERT_EQ(PQputCopyEnd(c.get(), nullptr), 1);
  EXPECT_EQ(read_result(PQgetResult(c.get())).status, PGRES_COMMAND_OK);
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions WHERE user_id IN (71, 72)"), "2");
  // COPY ... TO PROGRAM is an escape hatch: refused before the client enters copy mode.
  EXPECT_EQ(exec(c.get(), "COPY users TO PROGRAM 'rm -rf /tmp/x'").sqlstate, "42501");
}

TEST_F(ProxySession, FastPathLargeObjectUnlinkIsRefused) {
  auto c = connect();
  const std::string oid = exec(c.get(), "SELECT lo_create(0)").value();
  ASSERT_FALSE(oid.empty());
  EXPECT_EQ(lo_unlink(c.get(), static_cast<Oid>(std::stoul(oid))), -1);
  EXPECT_NE(std::string(PQerrorMessage(c.get())).find("lo_unlink"), std::string::npos)
      << PQerrorMessage(c.get());
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM pg_largeobject_metadata WHERE oid = " + oid), "1");
  EXPECT_EQ(exec(c.get(), "SELECT 3").value(), "3");
}

TEST_F(ProxySession, RefusalsAndWarningsAreRecordedAsJsonLines) {
  auto c = connect("application_name=billing");
  (void)exec(c.get(), "DROP TABLE ledger_entries");
  (void)exec(c.get(), "ALTER TABLE sessions RENAME COLUMN user_id TO account");
  const std::string rec = record();
  EXPECT_NE(rec.find("\"statement\":\"DROP TABLE ledger_entries\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"action\":\"drop_table\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"decision\":\"deny\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"application\":\"billing\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"user\":\"postgres\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"client_address\":\"127.0.0.1\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"decision\":\"warn\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"action\":\"rename\""), std::string::npos) << rec;
}

TEST_F(ProxySession, MonitorProfileLetsRefusalsRunAndRecordsThem) {
  auto c = connect("application_name=observer");
  EXPECT_TRUE(exec(c.get(), "DELETE FROM sessions WHERE id = 1").ok());
  EXPECT_TRUE(exec(c.get(), "UPDATE ledger_entries SET amount = 0 WHERE id = 2").ok());
  EXPECT_EQ(direct_scalar("SELECT amount FROM ledger_entries WHERE id = 2"), "0");
  const std::string rec = record();
  EXPECT_NE(rec.find("\"profile\":\"observer\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"decision\":\"warn\""), std::string::npos) << rec;
}

TEST_F(ProxySession, CancelRequestReachesTheServer) {
  auto c = connect();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    PGcancel* cancel = PQgetCancel(c.get());
    char err[256];
    PQcancel(cancel, err, sizeof err);
    PQfreeCancel(cancel);
  });
  const auto started = std::chrono::steady_clock::now();
  const auto r = exec(c.get(), "SELECT pg_sleep(20)");
  canceller.join();
  EXPECT_EQ(r.sqlstate, "57014");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(exec(c.get(), "SELECT 4").value(), "4");
}

TEST_F(ProxySession, PasswordAuthenticationIsRelayed) {
  for (const auto& [user, password] :
       {std::pair{"md5user", "md5pass"}, std::pair{"scramuser", "scrampass"}}) {
    PgConn good(PQconnectdb((conninfo() + " user=" + user + " password=" + password).c_str()));
    EXPECT_EQ(PQstatus(good.get()), CONNECTION_OK) << user << ": " << PQerrorMessage(good.get());
    if (PQstatus(good.get()) == CONNECTION_OK) {
      EXPECT_EQ(exec(good.get(), "SELECT current_user").value(), user);
    }
    PgConn bad(PQconnectdb((conninfo() + " user=" + user + " password=wrong").c_str()));
    EXPECT_EQ(PQstatus(bad.get()), CONNECTION_BAD);
    EXPECT_NE(std::string(PQerrorMessage(bad.get())).find("password authentication failed"),
              std::string::npos)
        << PQerrorMessage(bad.get());
  }
}

TEST_F(ProxySession, ReplicationConnectionsAreRefusedUnlessAProfileAllowsThem) {
  PgConn c(PQconnectdb((conninfo() + " replication=database").c_str()));
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(c.get())).find("replication"), std::string::npos)
      << PQerrorMessage(c.get());
}

}  // namespace
}  // namespace pgwarden::test
