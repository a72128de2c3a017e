// The privilege layer (src/db/privileges.cpp): what the policy refuses is revoked from the roles
// of [db] roles, so that PostgreSQL's own permission check stops them even where a guard is
// missing; a table-level UPDATE becomes column-level UPDATE on the columns no guard compares;
// what they still hold another way (PUBLIC, membership, ownership) is reported, and so are owners,
// superusers and roles that do not exist. Checked with has_table_privilege and with the rows.
#include <gtest/gtest.h>

#include "db/report.hpp"
#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Privilege Policy"

[actions]
delete = "approve"

[db]
roles = ["pgw_app"]

[[tables]]
name = "ledger"
append_only = true

[[tables]]
name = "accounts"
immutable = ["balance"]

[[tables]]
name = "sessions"
actions = { truncate = "allow", delete = "allow", delete_all = "allow" }
)";

constexpr const char* k_schema = R"(
CREATE TABLE orders (id int PRIMARY KEY);
CREATE TABLE ledger (id int PRIMARY KEY, amount int);
CREATE TABLE accounts (id int PRIMARY KEY, name text, balance numeric);
CREATE TABLE sessions (id int);
INSERT INTO orders VALUES (1);
INSERT INTO ledger VALUES (1, 10);
INSERT INTO accounts VALUES (1, 'a', 5);
INSERT INTO sessions VALUES (1), (2);
)";

class Privileges : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
  }
  std::string holds(const std::string& table, const std::string& privilege) const {
    return scalar("SELECT has_table_privilege('pgw_app', '" + table + "', '" + privilege + "')");
  }
  std::string holds_column(const std::string& table, const std::string& column) const {
    return scalar("SELECT has_column_privilege('pgw_app', '" + table + "', '" + column +
                  "', 'UPDATE')");
  }
};

bool warned(const db::Plan& plan, const std::string& text) {
  for (const auto& w : plan.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_F(Privileges, WhatThePolicyRefusesIsRevokedFromTheApplicationRoles) {
  ASSERT_EQ(holds("orders", "DELETE"), "t");
  const auto outcome = protect();
  ASSERT_TRUE(outcome.applied);
  EXPECT_TRUE(outcome.plan.warnings.empty()) << outcome.plan.warnings.front();
  EXPECT_EQ(holds("orders", "TRUNCATE") + holds("orders", "DELETE") + holds("orders", "UPDATE"),
            "fft");
  EXPECT_EQ(holds("ledger", "UPDATE") + holds("ledger", "DELETE") + holds("ledger", "INSERT"),
            "fft");
  EXPECT_EQ(holds_column("accounts", "balance") + holds_column("accounts", "name") +
                holds("accounts", "SELECT"),
            "ftt");
  EXPECT_EQ(holds("sessions", "TRUNCATE") + holds("sessions", "DELETE"),
            "tt");  // nothing refused there

  // PostgreSQL's own check now stops the application before any guard is asked.
  SqlResult r = as_app("DELETE FROM orders");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_EQ(r.message, "permission denied for table orders");
  r = as_app("UPDATE accounts SET balance = 0");
  EXPECT_EQ(r.message, "permission denied for table accounts");
  EXPECT_TRUE(
      as_app(
          "UPDATE accounts SET name = 'b'; INSERT INTO ledger VALUES (2, 20); DELETE FROM sessions")
          .ok);
  EXPECT_EQ(
      scalar("SELECT (SELECT count(*) FROM orders) || (SELECT name || balance FROM accounts) || "
             "(SELECT count(*) FROM ledger) || (SELECT count(*) FROM sessions)"),
      "1b520");
  EXPECT_TRUE(protect().plan.changes.empty());
}

TEST_F(Privileges, WhatTheRolesHoldAnotherWayIsReported) {
  ASSERT_TRUE(run("GRANT DELETE ON orders TO PUBLIC; "
                  "DROP ROLE IF EXISTS pgw_writers; CREATE ROLE pgw_writers; GRANT TRUNCATE ON "
                  "orders TO pgw_writers; "
                  "GRANT UPDATE (balance) ON accounts TO pgw_writers; GRANT pgw_writers TO pgw_app")
                  .ok);
  const auto outcome = protect();
  EXPECT_TRUE(
      warned(outcome.plan, "role pgw_app still holds DELETE on public.orders through PUBLIC"));
  EXPECT_TRUE(warned(
      outcome.plan,
      "role pgw_app still holds TRUNCATE on public.orders through membership in pgw_writers"));
  EXPECT_TRUE(
      warned(outcome.plan,
             "role pgw_app still holds UPDATE of column \"balance\" on public.accounts through "
             "membership in pgw_writers"));
  // The guards still stop it; --check reports what is left.
  EXPECT_TRUE(refused(as_app("DELETE FROM orders"), "delete"));
  const auto check = protect(db::Mode::check);
  EXPECT_EQ(db::exit_code(check), 1);
  EXPECT_EQ(check.plan.warnings.size(), 3U);
  EXPECT_TRUE(
      run("REVOKE ALL ON orders, accounts FROM pgw_writers; REVOKE DELETE ON orders FROM PUBLIC; "
          "DROP ROLE pgw_writers")
          .ok);
  EXPECT_EQ(db::exit_code(protect(db::Mode::check)), 0);
}

TEST_F(Privileges, OwnersSuperusersAndUnknownRolesAmongTheRolesAreReported) {
  std::string policy = k_policy;
  policy.replace(policy.find("roles = [\"pgw_app\"]"), std::string("roles = [\"pgw_app\"]").size(),
                 "roles = [\"pgw_app\", \"pgw_owner\", \"postgres\", \"pgw_nobody\"]");
  set_policy(policy);
  const auto outcome = protect();
  EXPECT_TRUE(
      warned(outcome.plan,
             "role pgw_owner of [db] roles owns public.orders (its owner is pgw_owner): an owner "
             "can grant itself every privilege back"));
  EXPECT_TRUE(warned(outcome.plan,
                     "role postgres of [db] roles is a superuser: it can switch every guard off"));
  EXPECT_TRUE(warned(outcome.plan, "role pgw_nobody of [db] roles does not exist"));
  EXPECT_EQ(db::exit_code(protect(db::Mode::check)), 1);
}

}  // namespace
}  // namespace pgwarden::test
