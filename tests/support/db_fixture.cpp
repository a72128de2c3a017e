#include "support/db_fixture.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "policy/load.hpp"

namespace pgwarden::test {
namespace {

struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};

std::string field(const PGresult* r, int code) {
  const char* v = PQresultErrorField(r, code);
  return v != nullptr ? v : "";
}

// A database name of at most 63 bytes, unique per test.
std::string database_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("dbp_") + info->test_suite_name() + "_" + info->name();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return std::isalnum(c) != 0 ? static_cast<char>(std::tolower(c)) : '_';
  });
  if (name.size() > 50)
    name = name.substr(0, 40) + "_" + std::to_string(std::hash<std::string>{}(name) % 1000000);
  return name;
}

}  // namespace

void DbFixture::SetUp() {
  std::string why;
  m_cluster = PgCluster::shared(&why);
  if (m_cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
}

void DbFixture::prepare(const std::string& schema, const std::string& policy,
                        const std::string& superuser_first) {
  m_database = database_name();
  m_policy = policy;
  m_cluster->create_database(m_database);
  // Roles are the cluster's; each test creates them if an earlier one did not.
  m_cluster->execute(std::string("DO $$ BEGIN ") +
                     "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + k_owner +
                     "') THEN CREATE ROLE " + k_owner + " LOGIN; END IF; " +
                     "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + k_app +
                     "') THEN CREATE ROLE " + k_app + " LOGIN; END IF; END $$");
  if (!superuser_first.empty()) m_cluster->execute(superuser_first, m_database);
  m_cluster->execute(std::string("GRANT ALL ON SCHEMA public TO ") + k_owner +
                         "; GRANT CREATE ON DATABASE \"" + m_database + "\" TO " + k_owner,
                     m_database);
  const SqlResult created = run(schema, k_owner);
  ASSERT_TRUE(created.ok) << created.message;
  m_cluster->execute(
      std::string(
          "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ") +
          k_app + "; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO " + k_app,
      m_database);
}

Expected<db::Outcome> DbFixture::try_protect(db::Mode mode, const std::string& user) {
  auto policy = policy::parse_policy(m_policy, "pgwarden.toml");
  if (!policy) return tl::unexpected(policy.error());
  db::ProtectOptions options;
  options.conninfo = conninfo(user);
  options.mode = mode;
  options.policy_text = m_policy;
  options.version = "test";
  return db::protect(*policy, options);
}

db::Outcome DbFixture::protect(db::Mode mode, const std::string& user) {
  auto outcome = try_protect(mode, user);
  EXPECT_TRUE(outcome) << (outcome ? "" : outcome.error().to_string());
  return outcome ? *outcome : db::Outcome{};
}

namespace {

SqlResult run_on(PGconn* conn, const std::string& sql) {
  SqlResult out;
  const std::unique_ptr<PGresult, ResultClearer> r(PQexec(conn, sql.c_str()));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    out.sqlstate = field(r.get(), PG_DIAG_SQLSTATE);
    out.message = field(r.get(), PG_DIAG_MESSAGE_PRIMARY);
    out.detail = field(r.get(), PG_DIAG_MESSAGE_DETAIL);
    out.hint = field(r.get(), PG_DIAG_MESSAGE_HINT);
    return out;
  }
  out.ok = true;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    auto& row = out.rows.emplace_back();
    for (int f = 0; f < PQnfields(r.get()); ++f) {
      row.emplace_back(PQgetisnull(r.get(), i, f) != 0 ? "NULL" : PQgetvalue(r.get(), i, f));
    }
  }
  return out;
}

}  // namespace

DbSession::DbSession(const std::string& conninfo) : m_conn(PQconnectdb(conninfo.c_str())) {
  PQsetNoticeProcessor(
      m_conn, [](void*, const char*) {}, nullptr);
}

DbSession::~DbSession() {
  PQfinish(m_conn);
}

SqlResult DbSession::run(const std::string& sql) {
  if (PQstatus(m_conn) != CONNECTION_OK)
    return SqlResult{false, "", PQerrorMessage(m_conn), "", "", {}};
  return run_on(m_conn, sql);
}

SqlResult DbFixture::run(const std::string& sql, const std::string& user) const {
  DbSession s(conninfo(user));
  return s.run(sql);
}

std::string DbFixture::scalar(const std::string& sql) const {
  const SqlResult r = run(sql);
  EXPECT_TRUE(r.ok) << sql << ": " << r.message;
  return r.value();
}

std::string DbFixture::conninfo(const std::string& user) const {
  return m_cluster->conninfo(m_database, user);
}

::testing::AssertionResult refused(const SqlResult& r, const std::string& action) {
  if (r.ok)
    return ::testing::AssertionFailure()
           << "the statement ran; pgwarden should have refused it (" << action << ")";
  const std::string prefix = "pgwarden: " + action + ": ";
  if (r.sqlstate != "42501" || r.message.rfind(prefix, 0) != 0) {
    return ::testing::AssertionFailure() << "expected 42501 \"" << prefix << "...\", got "
                                         << r.sqlstate << " \"" << r.message << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace pgwarden::test
