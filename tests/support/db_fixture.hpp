// What the tests of pgwarden db protect share: a database of their own on the shared throwaway
// PostgreSQL 15 cluster, created fresh for each test and named after it; an owner role that
// creates the tables; an application role that is neither owner nor superuser, granted SELECT,
// INSERT, UPDATE, DELETE and TRUNCATE on every table before db protect runs (so that what stops
// it is the guards, not missing privileges); db protect run through the library; and SQL run as
// any role, each call on a fresh connection, with PostgreSQL's error fields kept for the test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "db/protect.hpp"

struct pg_conn;  // libpq's PGconn
#include "support/pg_cluster.hpp"

namespace pgwarden::test {

struct SqlResult {
  bool ok = false;
  std::string sqlstate;  // of the error, empty when ok
  std::string message;
  std::string detail;
  std::string hint;
  std::vector<std::vector<std::string>> rows;  // NULL as "NULL"

  [[nodiscard]] std::string value() const {
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }
};

// One connection kept across statements: a transaction, a grant and the statement it covers.
class DbSession {
 public:
  DbSession(const std::string& conninfo);
  DbSession(const DbSession&) = delete;
  DbSession& operator=(const DbSession&) = delete;
  ~DbSession();
  SqlResult run(const std::string& sql);

 private:
  ::pg_conn* m_conn = nullptr;
};

class DbFixture : public ::testing::Test {
 public:
  static constexpr const char* k_owner = "pgw_owner";
  static constexpr const char* k_app = "pgw_app";
  static constexpr const char* k_service = "pgw_test_service";
  static constexpr const char* k_superuser = "postgres";

 protected:
  void SetUp() override;

  // A fresh database for this test: `schema` runs as the owner role (CREATE on the database and
  // on public is given to it), then the application role is granted SELECT, INSERT, UPDATE, DELETE,
  // TRUNCATE on every table in public. `superuser_first` runs before, as a superuser (CREATE
  // EXTENSION ...).
  void prepare(const std::string& schema, const std::string& policy,
               const std::string& superuser_first = "");

  // db protect with the policy text given to prepare() (or set_policy()), as `user`.
  db::Outcome protect(db::Mode mode = db::Mode::install, const std::string& user = k_superuser);
  // The same, returning the error instead of failing the test.
  Expected<db::Outcome> try_protect(db::Mode mode = db::Mode::install,
                                    const std::string& user = k_superuser);
  void set_policy(const std::string& policy) { m_policy = policy; }

  SqlResult run(const std::string& sql, const std::string& user = k_superuser) const;
  std::unique_ptr<DbSession> session(const std::string& user = k_superuser) const {
    return std::make_unique<DbSession>(conninfo(user));
  }
  SqlResult as_app(const std::string& sql) const { return run(sql, k_app); }
  SqlResult as_owner(const std::string& sql) const { return run(sql, k_owner); }
  // The first value of a query run as the superuser; fails the test when the query fails.
  std::string scalar(const std::string& sql) const;

  [[nodiscard]] std::string conninfo(const std::string& user = k_superuser) const;
  [[nodiscard]] const std::string& database() const { return m_database; }

  PgCluster* m_cluster = nullptr;
  std::string m_database;
  std::string m_policy;
};

// "pgwarden: delete: ..." and SQLSTATE 42501: the database refused as pgwarden refuses.
::testing::AssertionResult refused(const SqlResult& r, const std::string& action);

}  // namespace pgwarden::test
