// Grants (src/db/sql/granted.sql): a guard lets an operation through only when the current
// transaction carries a grant for exactly that operation on exactly that table, not expired,
// and, when the grant names a statement, for that statement. Only the service role (and
// superusers) can write one; an application role cannot. Rows are checked on the server after.
#include <gtest/gtest.h>

#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Grant Test Policy"

[actions]
delete = "approve"

[db]
service_role = "pgw_test_service"

[[tables]]
name = "ledger"
append_only = true
actions = { delete = "approve", mutate_append_only = "approve" }
)";

constexpr const char* k_schema = R"(
CREATE TABLE accounts (id int PRIMARY KEY, name text);
CREATE TABLE orders (id int PRIMARY KEY);
CREATE TABLE ledger (id int PRIMARY KEY, amount int);
INSERT INTO accounts VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO orders VALUES (1), (2);
INSERT INTO ledger VALUES (1, 10), (2, 20);
)";

// A grant for this transaction; `more` adds columns (", statement_sha256 = ...").
std::string grant(const std::string& table, const std::string& operation,
                  const std::string& expires = "now() + interval '5 minutes'",
                  const std::string& statement = "NULL") {
  return "INSERT INTO pgwarden.grants (txid, relid, operation, expires_at, statement_sha256) "
         "VALUES (txid_current(), '" +
         table + "'::regclass, '" + operation + "', " + expires + ", " + statement + ")";
}

class Grants : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(protect().applied);
  }
  std::string accounts() const {
    return scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM accounts");
  }
};

TEST_F(Grants, AGrantInTheSameTransactionLetsExactlyThatOperationThrough) {
  // The grant is written with the service role's rights; the statement runs as the application.
  const auto s = session();
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("accounts", "delete")).ok);
  ASSERT_TRUE(s->run("SET LOCAL ROLE pgw_app").ok);
  EXPECT_TRUE(s->run("DELETE FROM accounts WHERE id = 1").ok);
  // ...that operation, on that table: not a TRUNCATE, not another table's rows.
  EXPECT_TRUE(refused(s->run("DELETE FROM orders WHERE id = 1"), "delete"));
  ASSERT_TRUE(s->run("ROLLBACK").ok);
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("accounts", "delete")).ok);
  EXPECT_TRUE(s->run("DELETE FROM accounts WHERE id = 1").ok);
  ASSERT_TRUE(s->run("COMMIT").ok);
  EXPECT_EQ(accounts(), "2,3");
  // The next transaction carries no grant.
  EXPECT_TRUE(refused(s->run("DELETE FROM accounts WHERE id = 2"), "delete"));
  EXPECT_EQ(accounts(), "2,3");
}

TEST_F(Grants, AGrantOfAnotherTransactionTableOrOperationDoesNotCount) {
  const auto s = session();
  ASSERT_TRUE(s->run(grant("accounts", "delete")).ok);  // its own, now committed transaction
  EXPECT_TRUE(refused(s->run("DELETE FROM accounts WHERE id = 1"), "delete"));
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("orders", "delete")).ok);
  ASSERT_TRUE(s->run(grant("accounts", "truncate")).ok);
  ASSERT_TRUE(s->run(grant("accounts", "update_immutable")).ok);
  EXPECT_TRUE(refused(s->run("DELETE FROM accounts WHERE id = 1"), "delete"));
  ASSERT_TRUE(s->run("ROLLBACK").ok);
  EXPECT_EQ(accounts(), "1,2,3");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "2");
}

TEST_F(Grants, AnExpiredGrantDoesNotCount) {
  const auto s = session();
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("accounts", "delete", "clock_timestamp() - interval '1 second'")).ok);
  EXPECT_TRUE(refused(s->run("DELETE FROM accounts WHERE id = 1"), "delete"));
  ASSERT_TRUE(s->run("ROLLBACK").ok);
  EXPECT_EQ(accounts(), "1,2,3");
}

TEST_F(Grants, AGrantForOneStatementCoversThatStatementOnly) {
  const std::string approved = "DELETE FROM accounts WHERE id = 3";
  const std::string hash = "encode(sha256(convert_to('" + approved + "', 'UTF8')), 'hex')";
  const auto s = session();
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("accounts", "delete", "now() + interval '1 minute'", hash)).ok);
  EXPECT_TRUE(refused(s->run("DELETE FROM accounts WHERE id = 2"), "delete"));
  ASSERT_TRUE(s->run("ROLLBACK").ok);
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("accounts", "delete", "now() + interval '1 minute'", hash)).ok);
  EXPECT_TRUE(s->run(approved).ok);
  ASSERT_TRUE(s->run("COMMIT").ok);
  EXPECT_EQ(accounts(), "1,2");
}

TEST_F(Grants, AGrantMustCoverEveryActionThatRefuses) {
  // DELETE on the append-only ledger is refused as delete and as mutate_append_only (both
  // "approve"; the first is shown). A grant for one of them is not enough.
  const auto s = session();
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("ledger", "delete")).ok);
  EXPECT_TRUE(refused(s->run("DELETE FROM ledger WHERE id = 1"), "delete"));
  ASSERT_TRUE(s->run("ROLLBACK").ok);
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("ledger", "mutate_append_only")).ok);
  EXPECT_TRUE(refused(s->run("DELETE FROM ledger WHERE id = 1"), "delete"));
  ASSERT_TRUE(s->run("ROLLBACK").ok);
  ASSERT_TRUE(s->run("BEGIN").ok);
  ASSERT_TRUE(s->run(grant("ledger", "delete") + "; " + grant("ledger", "mutate_append_only")).ok);
  EXPECT_TRUE(s->run("DELETE FROM ledger WHERE id = 1").ok);
  ASSERT_TRUE(s->run("COMMIT").ok);
  EXPECT_EQ(scalar("SELECT string_agg(id::text, ',') FROM ledger"), "2");
}

TEST_F(Grants, NoGrantUnlocksWhatThePolicyDenies) {
  // truncate is "deny" by default: the guard does not even look for a grant.
  const SqlResult r =
      run("BEGIN; " + grant("accounts", "truncate") + "; TRUNCATE accounts; COMMIT");
  EXPECT_TRUE(refused(r, "truncate"));
  EXPECT_NE(r.detail.find("Nothing unlocks it."), std::string::npos) << r.detail;
  EXPECT_EQ(accounts(), "1,2,3");
}

TEST_F(Grants, AnApplicationRoleCannotWriteAGrantButTheServiceRoleCan) {
  SqlResult r = as_app("BEGIN; " + grant("accounts", "delete") +
                       "; DELETE FROM accounts WHERE id = 1; COMMIT");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_EQ(r.message, "permission denied for table grants");
  // Nor can it imitate db protect's own grant, or reach the grant check directly.
  EXPECT_EQ(as_app("INSERT INTO pgwarden.grants (txid, relid, operation, expires_at) "
                   "VALUES (txid_current(), NULL, 'protect', now() + interval '1 hour')")
                .sqlstate,
            "42501");
  EXPECT_EQ(as_app("SELECT pgwarden.granted('accounts'::regclass, '{delete}')").sqlstate, "42501");
  EXPECT_EQ(as_app("UPDATE pgwarden.grants SET txid = 0").sqlstate, "42501");
  EXPECT_EQ(accounts(), "1,2,3");
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.grants"), "0");

  // A member of the service role writes grants (its only write besides deleting old ones).
  ASSERT_TRUE(run("DROP ROLE IF EXISTS pgw_approver; CREATE ROLE pgw_approver LOGIN IN ROLE "
                  "pgw_test_service; "
                  "GRANT SELECT, DELETE ON accounts TO pgw_approver")
                  .ok);
  r = run("BEGIN; " + grant("accounts", "delete") + "; DELETE FROM accounts WHERE id = 1; COMMIT",
          "pgw_approver");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(accounts(), "2,3");
  EXPECT_EQ(run("UPDATE pgwarden.grants SET expires_at = now()", "pgw_approver").sqlstate, "42501");
  EXPECT_TRUE(run("DELETE FROM pgwarden.grants", "pgw_approver").ok);
  EXPECT_TRUE(run("DROP OWNED BY pgw_approver; DROP ROLE pgw_approver").ok);
}

}  // namespace
}  // namespace pgwarden::test
