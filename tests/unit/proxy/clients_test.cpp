// Real clients through the proxy in front of a real PostgreSQL 15: psql, pgbench, psycopg2,
// node-postgres and the JDBC driver, each as a user runs it. For every client a refused statement
// is tried in autocommit, inside a transaction, in the client's batch or pipeline and as a
// prepared statement; the test checks what the client reports (SQLSTATE 42501, the message, the
// hint with the safe alternative), that the same connection still works, and, asking the server
// directly, that nothing refused (nor anything the refusal rolled back) reached it.
//
// The programs for the drivers are in tests/clients/; each prints `key=value` lines that the
// tests here read. A client that is not installed skips its test and says how to install it
// (scripts/install-deps.sh installs them all).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include "support/proxy_fixture.hpp"

namespace pgwarden::test {
namespace {

namespace fs = std::filesystem;

// The hint a refused `DELETE FROM users WHERE id = 1` carries.
constexpr std::string_view k_users_hint = "UPDATE users SET deleted_at = now() WHERE id = 1";
// The start of the hint a refused UPDATE of the ledger carries (the table's own hint).
constexpr std::string_view k_ledger_hint = "Correct errors with a reversal entry.";

// No client run may hang the test binary: `timeout` ends it (exit code 124) after this long.
constexpr int k_client_seconds = 120;

const fs::path k_clients = fs::path(PGWARDEN_SOURCE_DIR) / "tests" / "clients";

struct Ran {
  int exit_code = -1;  // 124: the client was still running after k_client_seconds
  std::string out;
  std::string err;
  [[nodiscard]] std::string both() const {
    return "exit " + std::to_string(exit_code) + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
};

std::string shell_quoted(std::string_view s) {
  std::string q = "'";
  for (const char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs one program line from the source directory with `input` on stdin, stdout and stderr kept
// apart.
Ran run(const fs::path& scratch, const std::string& command, std::string_view input = {}) {
  const fs::path in = scratch / "stdin";
  const fs::path err = scratch / "stderr";
  std::ofstream(in, std::ios::binary) << input;
  const std::string line = "cd " + shell_quoted(PGWARDEN_SOURCE_DIR) + " && timeout -k 5 " +
                           std::to_string(k_client_seconds) + " " + command + " < " +
                           shell_quoted(in.string()) + " 2> " + shell_quoted(err.string());
  Ran r;
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_file(err);
  return r;
}

bool succeeds(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// The `key=value` lines a client program printed.
std::map<std::string, std::string> lines(const std::string& out) {
  std::map<std::string, std::string> m;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return m;
}

// A client program, or why it is not there.
struct Tool {
  std::string command;  // empty: missing
  std::string missing;
};

// The PostgreSQL 15 client programs: the server's own bindir first, then PATH.
Tool pg_program(const std::string& name) {
  const std::string own = "/usr/lib/postgresql/15/bin/" + name;
  if (::access(own.c_str(), X_OK) == 0) return {own, {}};
  if (succeeds("command -v " + name)) return {name, {}};
  const std::string package = name == "pgbench" ? "postgresql-15" : "postgresql-client-15";
  return {{}, name + " is not installed (Debian: " + package + "; scripts/install-deps.sh)"};
}

Tool python_with_psycopg2() {
  // Debian's python3-psycopg2 is for the system interpreter, which a pyenv or venv python3 first
  // on PATH may hide.
  for (const std::string python : {"/usr/bin/python3", "python3"}) {
    if (succeeds(python + " -c 'import psycopg2'")) return {python, {}};
  }
  return {
      {},
      "no python3 that can import psycopg2 (Debian: python3-psycopg2; scripts/install-deps.sh)"};
}

Tool node_with_pg() {
  if (!succeeds("command -v node")) return {{}, "node is not installed (Debian: nodejs)"};
  if (!fs::exists(k_clients / "node_modules" / "pg" / "package.json")) {
    return {{},
            "tests/clients/node_modules is missing: run scripts/install-deps.sh (npm ci --prefix "
            "tests/clients)"};
  }
  return {"node", {}};
}

constexpr const char* k_jdbc_jar = "/usr/share/java/postgresql.jar";

Tool java_with_jdbc() {
  if (!succeeds("command -v java"))
    return {{}, "java is not installed (Debian: default-jdk-headless)"};
  if (!fs::exists(k_jdbc_jar)) {
    return {{}, std::string(k_jdbc_jar) + " is missing (Debian: libpostgresql-jdbc-java)"};
  }
  return {"java -cp " + std::string(k_jdbc_jar), {}};
}

class ProxyClients : public ProxyFixture {
 protected:
  void SetUp() override { start(k_demo_policy); }

  [[nodiscard]] Ran client(const std::string& command, std::string_view input = {}) const {
    return run(m_dir, command, input);
  }
  // What must hold after every client: the refused statements changed nothing.
  void expect_protected_rows_untouched() const {
    EXPECT_EQ(direct_scalar("SELECT count(*) FROM users WHERE deleted_at IS NULL"), "2");
    EXPECT_EQ(direct_scalar("SELECT string_agg(amount::text, ',' ORDER BY id) FROM ledger_entries "
                            "WHERE id <= 2"),
              "100,50");
  }
  [[nodiscard]] std::string sessions_with(std::string_view user_ids) const {
    return direct_scalar("SELECT count(*) FROM sessions WHERE user_id IN (" +
                         std::string(user_ids) + ")");
  }
  // pgbench's tables, made directly on the server: `pgbench -i` drops and truncates, which the
  // policy refuses through the proxy.
  void init_pgbench(const Tool& pgbench) const {
    const Ran init =
        client(pgbench.command + " -i -s 1 -q " + shell_quoted(m_cluster->conninfo(m_database)));
    ASSERT_EQ(init.exit_code, 0) << init.both();
  }
};

// ---- psql --------------------------------------------------------------------------------------

TEST_F(ProxyClients, PsqlShowsTheRefusalWithDetailAndHintAndRunsTheNextCommand) {
  const Tool psql = pg_program("psql");
  if (psql.command.empty()) GTEST_SKIP() << psql.missing;
  const Ran r = client(psql.command + " -X -v ON_ERROR_STOP=0 -d " + shell_quoted(conninfo()) +
                       " -c 'DELETE FROM users WHERE id = 1' -c \"SELECT 'still here' AS s\"");
  EXPECT_EQ(r.exit_code, 0) << r.both();
  EXPECT_NE(r.err.find("ERROR:  pgwarden: delete: DELETE would delete rows of table users"),
            std::string::npos)
      << r.both();
  EXPECT_NE(r.err.find("DETAIL:  Refused by \"Ledger Immutability Policy\" (docs/IMMUTABILITY.md)"),
            std::string::npos)
      << r.both();
  EXPECT_NE(r.err.find("HINT:  users is soft-deleted: " + std::string(k_users_hint)),
            std::string::npos)
      << r.both();
  // The position field puts psql's caret under the refused statement.
  EXPECT_NE(r.err.find("LINE 1: DELETE FROM users WHERE id = 1\n        ^"), std::string::npos)
      << r.both();
  EXPECT_NE(r.out.find("still here"), std::string::npos) << r.both();
  expect_protected_rows_untouched();
}

TEST_F(ProxyClients, PsqlScriptRefusalAbortsTheTransactionAndCommitRollsBack) {
  const Tool psql = pg_program("psql");
  if (psql.command.empty()) GTEST_SKIP() << psql.missing;
  const Ran r = client(psql.command + " -X -v ON_ERROR_STOP=0 -d " + shell_quoted(conninfo()),
                       R"(\set VERBOSITY verbose
BEGIN;
INSERT INTO sessions (user_id) VALUES (101);
UPDATE ledger_entries SET amount = 0 WHERE id = 1;
SELECT 'inside the aborted transaction';
COMMIT;
PREPARE wipe AS DELETE FROM users WHERE id = 1;
EXECUTE wipe;
SELECT 'after the transaction' AS s;
)");
  EXPECT_EQ(r.exit_code, 0) << r.both();
  // VERBOSITY verbose shows the SQLSTATE: the refusal, then PostgreSQL's own 25P02.
  EXPECT_NE(
      r.err.find("ERROR:  42501: pgwarden: mutate_append_only: UPDATE would change the history of "
                 "append-only table ledger_entries"),
      std::string::npos)
      << r.both();
  EXPECT_NE(r.err.find("HINT:  " + std::string(k_ledger_hint)), std::string::npos) << r.both();
  EXPECT_NE(r.err.find("ERROR:  25P02: current transaction is aborted"), std::string::npos)
      << r.both();
  EXPECT_EQ(r.out.find("inside the aborted transaction"), std::string::npos) << r.both();
  EXPECT_NE(r.out.find("ROLLBACK"), std::string::npos) << "COMMIT of the aborted transaction\n"
                                                       << r.both();
  // PREPARE of a refused statement is refused; EXECUTE then finds nothing on the server.
  EXPECT_NE(
      r.err.find(
          "ERROR:  42501: pgwarden: delete: DELETE would delete rows of table users (in prepared "
          "statement wipe)"),
      std::string::npos)
      << r.both();
  EXPECT_NE(r.err.find("ERROR:  26000: prepared statement \"wipe\" does not exist"),
            std::string::npos)
      << r.both();
  EXPECT_NE(r.out.find("after the transaction"), std::string::npos) << r.both();
  EXPECT_EQ(sessions_with("101"), "0");
  expect_protected_rows_untouched();
}

TEST_F(ProxyClients, PsqlMigrationInOneTransactionStopsAtTheRefusalWithExitCode3) {
  const Tool psql = pg_program("psql");
  if (psql.command.empty()) GTEST_SKIP() << psql.missing;
  const fs::path migration = m_dir / "002_cleanup.sql";
  std::ofstream(migration) << "CREATE TABLE ledger_summary (account_id int, total numeric);\n"
                              "INSERT INTO sessions (user_id) VALUES (102);\n"
                              "DROP TABLE ledger_entries;\n"
                              "INSERT INTO sessions (user_id) VALUES (103);\n";
  const Ran r = client(psql.command + " -X -v ON_ERROR_STOP=1 --single-transaction -d " +
                       shell_quoted(conninfo()) + " -f " + shell_quoted(migration.string()));
  EXPECT_EQ(r.exit_code, 3) << "psql's exit code for an error in a script under ON_ERROR_STOP\n"
                            << r.both();
  EXPECT_NE(
      r.err.find("002_cleanup.sql:3: ERROR:  pgwarden: drop_table: DROP TABLE would destroy table "
                 "ledger_entries"),
      std::string::npos)
      << r.both();
  EXPECT_EQ(direct_scalar("SELECT to_regclass('ledger_summary') IS NULL"), "t");
  EXPECT_EQ(direct_scalar("SELECT to_regclass('ledger_entries') IS NOT NULL"), "t");
  EXPECT_EQ(sessions_with("102, 103"), "0");
}

// ---- pgbench -----------------------------------------------------------------------------------

TEST_F(ProxyClients, PgbenchSelectOnlyRunsThroughTheProxyAndItsTruncateIsRefused) {
  const Tool pgbench = pg_program("pgbench");
  if (pgbench.command.empty()) GTEST_SKIP() << pgbench.missing;
  init_pgbench(pgbench);
  if (HasFatalFailure()) return;
  m_cluster->execute(
      "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 5, now())",
      m_database);
  // Without -n pgbench first vacuums and empties pgbench_history: the TRUNCATE is refused, pgbench
  // says so and goes on, as it does for any error there.
  const Ran r = client(pgbench.command + " -S -t 200 -c 4 " + shell_quoted(conninfo()));
  EXPECT_EQ(r.exit_code, 0) << r.both();
  EXPECT_NE(r.out.find("number of transactions actually processed: 800/800"), std::string::npos)
      << r.both();
  EXPECT_NE(r.out.find("number of failed transactions: 0"), std::string::npos) << r.both();
  EXPECT_NE(r.err.find("TRUNCATE would delete every row of table pgbench_history"),
            std::string::npos)
      << r.both();
  EXPECT_NE(r.err.find("ignoring this error and continuing anyway"), std::string::npos) << r.both();
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM pgbench_history"), "1");
  // The extended protocol with named prepared statements.
  const Ran prepared =
      client(pgbench.command + " -n -S -M prepared -t 200 -c 2 " + shell_quoted(conninfo()));
  EXPECT_EQ(prepared.exit_code, 0) << prepared.both();
  EXPECT_NE(prepared.out.find("number of transactions actually processed: 400/400"),
            std::string::npos)
      << prepared.both();
}

TEST_F(ProxyClients, PgbenchScriptWithARefusedStatementAbortsAndNothingOfItIsCommitted) {
  const Tool pgbench = pg_program("pgbench");
  if (pgbench.command.empty()) GTEST_SKIP() << pgbench.missing;
  init_pgbench(pgbench);
  if (HasFatalFailure()) return;
  const fs::path script = m_dir / "refused.sql";
  std::ofstream(script) << "\\set aid random(1, 100000)\n"
                           "BEGIN;\n"
                           "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;\n"
                           "DELETE FROM users WHERE id = 1;\n"
                           "END;\n";
  for (const std::string mode : {"simple", "extended", "prepared"}) {
    SCOPED_TRACE("-M " + mode);
    const Ran r = client(pgbench.command + " -n -f " + shell_quoted(script.string()) + " -M " +
                         mode + " -t 5 -c 2 " + shell_quoted(conninfo()));
    // pgbench 15 retries only serialization failures and deadlocks; any other error aborts the
    // client, and an aborted run exits with 2.
    EXPECT_EQ(r.exit_code, 2) << r.both();
    EXPECT_NE(r.err.find("client 0 script 0 aborted in command 3 query 0: ERROR:  pgwarden: "
                         "delete: DELETE would "
                         "delete rows of table users"),
              std::string::npos)
        << r.both();
    EXPECT_NE(r.err.find("HINT:  users is soft-deleted: " + std::string(k_users_hint)),
              std::string::npos)
        << r.both();
    EXPECT_NE(r.out.find("number of transactions actually processed: 0/10"), std::string::npos)
        << r.both();
  }
  // The UPDATE before the refusal, in the same transaction, is rolled back every time.
  EXPECT_EQ(direct_scalar("SELECT sum(abalance) FROM pgbench_accounts"), "0");
  expect_protected_rows_untouched();
}

TEST_F(ProxyClients, PgbenchPipelineWithARefusedStatementCommitsNothingOfThePipeline) {
  const Tool pgbench = pg_program("pgbench");
  if (pgbench.command.empty()) GTEST_SKIP() << pgbench.missing;
  const fs::path script = m_dir / "pipeline.sql";
  std::ofstream(script) << "\\startpipeline\n"
                           "INSERT INTO sessions (user_id) VALUES (501);\n"
                           "DELETE FROM users WHERE id = 1;\n"
                           "INSERT INTO sessions (user_id) VALUES (502);\n"
                           "\\endpipeline\n";
  for (const std::string mode : {"extended", "prepared"}) {
    SCOPED_TRACE("-M " + mode);
    const Ran r = client(pgbench.command + " -n -f " + shell_quoted(script.string()) + " -M " +
                         mode + " -t 3 -c 1 " + shell_quoted(conninfo()));
    EXPECT_EQ(r.exit_code, 2) << r.both();
    EXPECT_NE(r.err.find("aborted in command 4 query 0: ERROR:  pgwarden: delete"),
              std::string::npos)
        << r.both();
    EXPECT_NE(r.out.find("number of transactions actually processed: 0/3"), std::string::npos)
        << r.both();
  }
  // A pipeline up to its Sync is one implicit transaction: the INSERT before the refusal is gone.
  EXPECT_EQ(sessions_with("501, 502"), "0");
  expect_protected_rows_untouched();
}

// ---- psycopg2 ----------------------------------------------------------------------------------

TEST_F(ProxyClients, Psycopg2SeesInsufficientPrivilegeAndTransactionSemanticsHold) {
  const Tool python = python_with_psycopg2();
  if (python.command.empty()) GTEST_SKIP() << python.missing;
  const Ran r =
      client(python.command + " tests/clients/psycopg2_client.py " + shell_quoted(conninfo()));
  ASSERT_EQ(r.exit_code, 0) << r.both();
  auto v = lines(r.out);
  ASSERT_EQ(v["done"], "1") << r.both();

  EXPECT_EQ(v["autocommit.pgcode"], "42501");
  EXPECT_EQ(v["autocommit.class"], "InsufficientPrivilege");
  EXPECT_EQ(v["autocommit.message"], "pgwarden: delete: DELETE would delete rows of table users");
  EXPECT_NE(v["autocommit.hint"].find(k_users_hint), std::string::npos) << v["autocommit.hint"];
  EXPECT_EQ(v["autocommit.after"], "2");
  EXPECT_EQ(v["autocommit.closed"], "0");

  EXPECT_EQ(v["transaction.pgcode"], "42501");
  EXPECT_EQ(v["transaction.class"], "InsufficientPrivilege");
  EXPECT_NE(v["transaction.hint"].find(k_ledger_hint), std::string::npos) << v["transaction.hint"];
  EXPECT_EQ(v["transaction.status_after_refusal"], "inerror");
  EXPECT_EQ(v["transaction.next"], "25P02");
  EXPECT_EQ(v["transaction.status_after_commit"], "idle");

  EXPECT_EQ(v["executemany.pgcode"], "42501");
  EXPECT_NE(v["executemany.hint"].find(k_users_hint), std::string::npos) << v["executemany.hint"];
  EXPECT_EQ(v["execute_batch.pgcode"], "42501");

  EXPECT_EQ(v["prepare.pgcode"], "42501");
  EXPECT_EQ(v["execute.pgcode"], "26000") << "EXECUTE of a statement that was never prepared";
  EXPECT_EQ(v["prepared.allowed_rows"], "1");
  EXPECT_EQ(v["final"], "still usable");

  // The server: the INSERTs in refused transactions and batches are gone, the allowed batch and
  // the allowed prepared INSERT are there.
  EXPECT_EQ(sessions_with("201, 211, 212, 221, 222"), "0");
  EXPECT_EQ(sessions_with("231, 232"), "2");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "3");
  expect_protected_rows_untouched();
}

// ---- node-postgres -----------------------------------------------------------------------------

TEST_F(ProxyClients, NodePostgresSeesTheRefusalInEveryProtocolMode) {
  const Tool node = node_with_pg();
  if (node.command.empty()) GTEST_SKIP() << node.missing;
  const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(m_port) + "/" +
                          m_database + "?sslmode=disable";
  const Ran r = client(node.command + " tests/clients/node_client.mjs " + shell_quoted(url));
  ASSERT_EQ(r.exit_code, 0) << r.both();
  auto v = lines(r.out);
  ASSERT_EQ(v["done"], "1") << r.both();

  for (const std::string key :
       {"simple", "extended", "named1", "named2", "named3", "transaction"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(v[key + ".code"], "42501");
    EXPECT_EQ(v[key + ".severity"], "ERROR");
  }
  EXPECT_EQ(v["simple.message"], "pgwarden: delete: DELETE would delete rows of table users");
  EXPECT_NE(v["simple.hint"].find(k_users_hint), std::string::npos) << v["simple.hint"];
  // With parameters the hint keeps the placeholder the application wrote.
  EXPECT_NE(v["extended.hint"].find("UPDATE users SET deleted_at = now() WHERE id = $1"),
            std::string::npos)
      << v["extended.hint"];
  EXPECT_EQ(v["extended.after"], "1");
  EXPECT_EQ(v["named.allowed_rows"], "3");
  EXPECT_NE(v["transaction.hint"].find(k_ledger_hint), std::string::npos) << v["transaction.hint"];
  EXPECT_EQ(v["transaction.next.code"], "25P02");
  EXPECT_EQ(v["transaction.commit"], "ROLLBACK");

  EXPECT_EQ(v["pipeline.statuses"], "fulfilled,rejected,fulfilled,rejected,fulfilled");
  EXPECT_EQ(v["pipeline.refused_codes"], "42501,42501");
  EXPECT_EQ(v["pipeline.returned"], "312");
  EXPECT_EQ(v["pipeline.count"], "2");
  EXPECT_EQ(v["pipeline.final"], "still usable");
  EXPECT_EQ(v["final"], "still usable");

  EXPECT_EQ(sessions_with("301"), "0");
  EXPECT_EQ(sessions_with("311, 312"), "2");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"), "5");  // 2 + the 3 named INSERTs
  expect_protected_rows_untouched();
}

// ---- JDBC --------------------------------------------------------------------------------------

TEST_F(ProxyClients, JdbcRefusesServerPreparedStatementsAndBatches) {
  const Tool java = java_with_jdbc();
  if (java.command.empty()) GTEST_SKIP() << java.missing;
  const Ran r = client(java.command + " tests/clients/JdbcClient.java 127.0.0.1 " +
                       std::to_string(m_port) + " " + m_database);
  ASSERT_EQ(r.exit_code, 0) << r.both();
  auto v = lines(r.out);
  ASSERT_EQ(v["done"], "1") << r.both();

  EXPECT_EQ(v["statement.state"], "42501");
  EXPECT_NE(v["statement.hint"].find(k_users_hint), std::string::npos) << v["statement.hint"];
  EXPECT_EQ(v["prepared_select.ok"], "8");
  EXPECT_EQ(v["prepared_select.server_prepared"], "true")
      << "past prepareThreshold the driver binds a named statement";
  EXPECT_EQ(v["prepared_insert.rows"], "6");
  // Unnamed for the first executions, a named server-side statement after prepareThreshold = 5:
  // refused every time.
  for (int i = 1; i <= 6; ++i) {
    SCOPED_TRACE("execution " + std::to_string(i));
    EXPECT_EQ(v["prepared_refused" + std::to_string(i) + ".state"], "42501");
    EXPECT_NE(v["prepared_refused" + std::to_string(i) + ".hint"].find("WHERE id = $1"),
              std::string::npos);
    EXPECT_EQ(v["prepared_update" + std::to_string(i) + ".state"], "42501");
  }
  EXPECT_EQ(v["prepared_refused.server_prepared"], "true")
      << "the last refused executions went as named server-side statements (S_n)";
  EXPECT_EQ(v["autocommit.after"], "2");

  EXPECT_EQ(v["batch.exception"], "BatchUpdateException");
  EXPECT_EQ(v["batch.state"], "42501");
  EXPECT_NE(v["batch.hint"].find(k_users_hint), std::string::npos) << v["batch.hint"];
  EXPECT_EQ(v["prepared_batch.state"], "42501");
  EXPECT_EQ(v["commit_after_refusal.refused"], "42501");
  EXPECT_EQ(v["final"], "still usable");

  // Nothing of the refused batches nor of the transaction committed after its refusal.
  EXPECT_EQ(sessions_with("401, 402, 411, 412, 413, 421"), "0");
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM ledger_entries"),
            "8");  // 2 + the 6 prepared INSERTs
  expect_protected_rows_untouched();
}

}  // namespace
}  // namespace pgwarden::test
