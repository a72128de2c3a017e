// What the guards cannot stop, shown rather than claimed (docs/db.md, "What it cannot stop").
// Each test is named DocumentedLimit.* and asserts that the harm happens: rows are lost or a
// guard is gone. Where --check can see the damage afterwards, the test says that too; where it
// cannot, the test says that as well.
#include <gtest/gtest.h>

#include "db/report.hpp"
#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Limits Policy"

[actions]
delete = "approve"

[[tables]]
name = "queue*"
actions = { delete = "allow" }

[[tables]]
name = "free_*"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow" }
)";

constexpr const char* k_schema = R"(
CREATE TABLE orders (id int PRIMARY KEY);
INSERT INTO orders VALUES (1), (2), (3);
CREATE TABLE sales (id int, region int) PARTITION BY LIST (region);
CREATE TABLE free_sales_1 PARTITION OF sales FOR VALUES IN (1);
INSERT INTO sales VALUES (1, 1);
CREATE TABLE free_parent (id int);
CREATE TABLE queue_child () INHERITS (free_parent);
INSERT INTO queue_child VALUES (1), (2);
)";

class DocumentedLimit : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(protect().applied);
  }
  std::string orders() const { return scalar("SELECT count(*) FROM orders"); }
  std::string check_says() {
    std::string out;
    for (const auto& c : protect(db::Mode::check).plan.changes) out += c.what + "\n";
    return out;
  }
};

TEST_F(DocumentedLimit, ASuperuserEditingPgTriggerSwitchesAGuardOffAndNoEventFires) {
  ASSERT_TRUE(run("UPDATE pg_trigger SET tgenabled = 'D' WHERE tgrelid = 'orders'::regclass "
                  "AND tgname LIKE 'pgwarden\\_delete%'")
                  .ok);
  EXPECT_TRUE(as_app("DELETE FROM orders").ok);
  EXPECT_EQ(orders(), "0");
  EXPECT_NE(check_says().find("(delete) on public.orders is disabled"),
            std::string::npos);  // seen afterwards
}

TEST_F(DocumentedLimit, PgSurgeryRemovesRowsWithoutFiringAnyTriggerAndLeavesNoTrace) {
  ASSERT_TRUE(run("CREATE EXTENSION pg_surgery").ok);
  EXPECT_TRUE(run("SELECT heap_force_kill('orders'::regclass, ARRAY['(0,1)'::tid])").ok);
  EXPECT_EQ(orders(), "2");
  EXPECT_EQ(check_says(), "");  // the guards are intact: --check has nothing to find
}

TEST_F(DocumentedLimit, ASuperuserDropsTheEventTriggersAndNoEventFiresForThat) {
  ASSERT_TRUE(
      run("DROP EVENT TRIGGER pgwarden_sql_drop; DROP EVENT TRIGGER pgwarden_ddl_command_end").ok);
  EXPECT_TRUE(as_owner("DROP TABLE orders").ok);
  const std::string found = check_says();
  EXPECT_NE(found.find("event trigger pgwarden_sql_drop is missing"), std::string::npos) << found;
  EXPECT_NE(found.find("unregister public.orders: the table is gone"), std::string::npos) << found;
}

TEST_F(DocumentedLimit, DroppingPgwardensSchemaWithCascadeTakesTheEventTriggersAlong) {
  // Only its owner (the superuser who installed pgwarden) or a superuser can; the event
  // triggers depend on its functions and go first, so none fires.
  EXPECT_TRUE(run("DROP SCHEMA pgwarden CASCADE").ok);
  EXPECT_TRUE(as_app("DELETE FROM orders").ok);
  EXPECT_EQ(orders(), "0");
  EXPECT_NE(check_says().find("create schema pgwarden and its tables"), std::string::npos);
}

TEST_F(DocumentedLimit, ASuperuserReplacingTheEventTriggersOwnFunctionDisarmsIt) {
  // PostgreSQL runs the new body at the end of the very command that replaced it.
  EXPECT_TRUE(run("CREATE OR REPLACE FUNCTION pgwarden.on_ddl_command_end() RETURNS event_trigger "
                  "LANGUAGE plpgsql AS $$ BEGIN END $$")
                  .ok);
  EXPECT_TRUE(as_owner("ALTER TABLE orders DISABLE TRIGGER USER").ok);
  EXPECT_TRUE(as_app("DELETE FROM orders").ok);
  const std::string found = check_says();
  EXPECT_NE(found.find("function pgwarden.on_ddl_command_end() is outdated"), std::string::npos)
      << found;
}

TEST_F(DocumentedLimit, ATableCreatedAfterTheRunIsUnguardedUntilTheNextRun) {
  ASSERT_TRUE(as_owner("CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (1); "
                       "GRANT ALL ON invoices TO pgw_app")
                  .ok);
  EXPECT_TRUE(as_app("TRUNCATE invoices").ok);
  EXPECT_EQ(scalar("SELECT count(*) FROM invoices"), "0");
  EXPECT_NE(check_says().find("register public.invoices"), std::string::npos);
  ASSERT_TRUE(protect().applied);
  EXPECT_TRUE(refused(as_app("TRUNCATE invoices"), "truncate"));
}

TEST_F(DocumentedLimit, APartitionCreatedLaterHasNoTruncateGuardUntilTheNextRun) {
  // Row guards are cloned onto a new partition by PostgreSQL; statement guards are not.
  ASSERT_TRUE(
      as_owner("CREATE TABLE free_sales_2 PARTITION OF sales FOR VALUES IN (2); "
               "INSERT INTO sales VALUES (2, 2), (3, 2); GRANT ALL ON free_sales_2 TO pgw_app")
          .ok);
  EXPECT_TRUE(refused(as_app("DELETE FROM free_sales_2"), "delete"));
  EXPECT_TRUE(as_app("TRUNCATE free_sales_2").ok);
  EXPECT_EQ(scalar("SELECT count(*) FROM sales"), "1");
  EXPECT_NE(check_says().find("(truncate) on public.free_sales_2 is missing"), std::string::npos);
  ASSERT_TRUE(protect().applied);
  EXPECT_TRUE(refused(as_app("TRUNCATE free_sales_2"), "truncate"));
}

TEST_F(DocumentedLimit, AnInheritanceParentCanEmptyAChildWhoseOnlyGuardIsDeleteAll) {
  // queue_child may lose some rows, not all; the statement that empties it names its parent, and
  // PostgreSQL fires no statement trigger of the child then (a partition's rows could be told
  // apart by its bounds; an inheritance child's cannot).
  EXPECT_TRUE(refused(as_app("DELETE FROM queue_child"), "delete_all"));
  EXPECT_TRUE(as_app("DELETE FROM free_parent").ok);
  EXPECT_EQ(scalar("SELECT count(*) FROM queue_child"), "0");
}

TEST_F(DocumentedLimit, AStatementThatEmptiesADeleteAllGuardedTableAndRefillsItPasses) {
  // The guard judges the table after the statement; a data-modifying WITH that deletes every row
  // and inserts one leaves it with a row (the text doors see the DELETE without WHERE, and refuse).
  ASSERT_TRUE(as_owner("CREATE TABLE queue (id int); INSERT INTO queue VALUES (1), (2); GRANT ALL "
                       "ON queue TO pgw_app")
                  .ok);
  ASSERT_TRUE(protect().applied);
  EXPECT_TRUE(refused(as_app("DELETE FROM queue"), "delete_all"));
  EXPECT_TRUE(
      as_app("WITH gone AS (DELETE FROM queue RETURNING id) INSERT INTO queue SELECT 99").ok);
  EXPECT_EQ(scalar("SELECT string_agg(id::text, ',') FROM queue"), "99");
}

}  // namespace
}  // namespace pgwarden::test
