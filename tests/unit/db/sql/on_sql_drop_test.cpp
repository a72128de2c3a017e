// The sql_drop event trigger (src/db/sql/on_sql_drop.sql), with ddl_command_end behind it: a DROP
// that takes a guarded table the policy refuses to drop is refused, whatever form it takes (DROP
// TABLE, DROP SCHEMA ... CASCADE, DROP OWNED, a partitioned parent taking its partitions); so is
// dropping a guard, a guarded column, one of pgwarden's objects, or a partition of a guarded
// table (its rows are the table's). A table the policy lets go is dropped with its guards, and
// the registry and the log say so. The tables and rows are checked after each refusal.
#include <gtest/gtest.h>

#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Drop Policy"

[actions]
delete = "approve"

[[tables]]
name = "ledger"
append_only = true

[[tables]]
name = "scratch"
actions = { drop_table = "allow" }

[[tables]]
name = "free_*"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow" }
)";

constexpr const char* k_schema = R"(
CREATE TABLE orders (id int PRIMARY KEY);
INSERT INTO orders VALUES (1), (2);
CREATE TABLE ledger (id int PRIMARY KEY, amount int, note text);
INSERT INTO ledger VALUES (1, 10, 'x');
CREATE TABLE scratch (id int);
INSERT INTO scratch VALUES (1);
CREATE SCHEMA shop;
CREATE TABLE shop.items (id int);
INSERT INTO shop.items VALUES (1);
CREATE TABLE sales (id int, region int) PARTITION BY LIST (region);
CREATE TABLE free_sales_1 PARTITION OF sales FOR VALUES IN (1);
INSERT INTO sales VALUES (1, 1);
)";

class OnSqlDrop : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(protect().applied);
  }
  std::string tables() const {
    return scalar(
        "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class "
        "WHERE relname IN ('orders', 'ledger', 'scratch', 'items', 'sales', 'free_sales_1')");
  }
};

TEST_F(OnSqlDrop, DroppingAGuardedTableIsRefusedInEveryForm) {
  const std::string all = "free_sales_1,items,ledger,orders,sales,scratch";
  ASSERT_EQ(tables(), all);
  SqlResult r = as_owner("DROP TABLE orders");
  EXPECT_TRUE(refused(r, "drop_table"));
  EXPECT_EQ(
      r.message,
      "pgwarden: drop_table: DROP TABLE would destroy table public.orders and every row in it");
  EXPECT_EQ(r.detail,
            "Refused by \"Drop Policy\": the built-in default drop_table = \"deny\". Nothing "
            "unlocks it.");
  EXPECT_NE(r.hint.find("ALTER TABLE public.orders RENAME TO orders_retired"), std::string::npos)
      << r.hint;
  EXPECT_TRUE(refused(as_owner("DROP TABLE orders, scratch CASCADE"), "drop_table"));
  r = as_owner("DROP SCHEMA shop CASCADE");
  EXPECT_TRUE(refused(r, "drop_table"));
  EXPECT_EQ(
      r.message,
      "pgwarden: drop_table: DROP SCHEMA would drop guarded table shop.items: DROP TABLE would "
      "destroy table shop.items and every row in it");
  EXPECT_TRUE(refused(run("DROP OWNED BY pgw_owner"), "drop_table"));  // a superuser too
  EXPECT_TRUE(refused(as_owner("DROP TABLE sales"), "drop_table"));
  EXPECT_EQ(tables(), all);
  EXPECT_EQ(scalar("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM shop.items) + "
                   "(SELECT count(*) FROM sales)"),
            "4");
}

TEST_F(OnSqlDrop, DroppingAGuardOrOneOfPgwardensObjectsIsRefused) {
  const std::string g = scalar(
      "SELECT tgname FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname LIKE "
      "'pgwarden\\_delete%'");
  SqlResult r = as_owner("DROP TRIGGER " + g + " ON orders");
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(r.message, "pgwarden: disable_safeguard: DROP TRIGGER would drop guard " + g +
                           " on public.orders");
  r = run("DROP FUNCTION pgwarden.guard() CASCADE");
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(
      r.message,
      "pgwarden: disable_safeguard: DROP FUNCTION would drop function pgwarden.guard(), one of "
      "pgwarden's own objects");
  r = run("DROP TABLE pgwarden.grants");
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(
      r.message,
      "pgwarden: disable_safeguard: DROP TABLE would drop table pgwarden.grants, one of pgwarden's "
      "own objects");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_trigger WHERE tgname = '" + g + "'"), "1");
  EXPECT_TRUE(refused(as_app("DELETE FROM orders"), "delete"));
}

TEST_F(OnSqlDrop, DroppingAGuardedColumnIsRefused) {
  // Every column of an append-only table is guarded: its guard compares whole rows.
  const SqlResult r = as_owner("ALTER TABLE ledger DROP COLUMN note");
  EXPECT_TRUE(refused(r, "drop_column"));
  EXPECT_EQ(r.message,
            "pgwarden: drop_column: ALTER TABLE would drop column note of table public.ledger, "
            "whose values "
            "a guard of pgwarden compares");
  EXPECT_EQ(scalar("SELECT note FROM ledger"), "x");
}

TEST_F(OnSqlDrop, DroppingOrDetachingAPartitionOfAGuardedTableIsRefusedAsADelete) {
  // free_sales_1 is allowed everything under its own name; its rows are rows of sales.
  SqlResult r = as_owner("DROP TABLE free_sales_1");
  EXPECT_TRUE(refused(r, "delete"));
  EXPECT_EQ(r.message,
            "pgwarden: delete: DROP TABLE would drop public.free_sales_1, a partition or "
            "inheritance child "
            "of guarded table public.sales, and its rows with it");
  r = as_owner("ALTER TABLE sales DETACH PARTITION free_sales_1");
  EXPECT_TRUE(refused(r, "delete"));
  EXPECT_EQ(r.message,
            "pgwarden: delete: ALTER TABLE would leave (public.free_sales_1) out of table "
            "public.sales, and "
            "their rows with them");
  EXPECT_EQ(scalar("SELECT count(*) FROM sales"), "1");
}

TEST_F(OnSqlDrop, ATableThePolicyLetsGoIsDroppedWithItsGuardsAndTheLogSaysSo) {
  ASSERT_EQ(scalar("SELECT count(*) FROM pgwarden.protected WHERE table_name = 'scratch'"),
            "1");  // its truncate is guarded
  const SqlResult r = as_owner("DROP TABLE scratch");
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.protected WHERE table_name = 'scratch'"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.guards WHERE trigger_name NOT IN (SELECT tgname "
                   "FROM pg_trigger)"),
            "0");
  EXPECT_EQ(scalar("SELECT event || ': ' || changes[1] FROM pgwarden.log ORDER BY id DESC LIMIT 1"),
            "dropped: DROP TABLE dropped guarded table public.scratch (registered as "
            "public.scratch) and its guards");
  // Nothing is left for db protect to mend.
  const auto check = protect(db::Mode::check);
  EXPECT_TRUE(check.plan.changes.empty()) << check.plan.changes.front().what;
}

}  // namespace
}  // namespace pgwarden::test
