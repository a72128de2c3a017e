// The ddl_command_end event trigger (src/db/sql/on_ddl_command_end.sql): DDL that would weaken
// the guards of a guarded table is refused, however it is spelled, unless a grant covers it:
// disabling or replacing a guard, renaming the table or a guarded column, moving it to another
// schema, making it a child or a partition, a foreign key whose action changes its rows, SET
// UNLOGGED, a new owner, a new column type; and any change to pgwarden's own objects. Most of
// it is tried as the tables' owner (the role migrations run as), some as a superuser. After
// each refusal the test checks the catalog and the rows.
#include <gtest/gtest.h>

#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "DDL Policy"

[actions]
delete = "approve"

[[tables]]
name = "accounts"
immutable = ["balance"]

[[tables]]
name = "ledger"
append_only = true

[[tables]]
name = "free_*"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow" }
)";

constexpr const char* k_schema = R"(
CREATE TABLE orders (id int PRIMARY KEY, customer int);
CREATE TABLE accounts (id int PRIMARY KEY, name text, balance numeric);
CREATE TABLE ledger (id int PRIMARY KEY, amount numeric);
INSERT INTO ledger VALUES (1, 10);
CREATE TABLE free_customers (id int PRIMARY KEY);
CREATE TABLE free_parent (id int PRIMARY KEY, customer int);
CREATE TABLE free_range (id int, customer int) PARTITION BY RANGE (id);
CREATE SCHEMA archive;
CREATE TABLE sales (id int, region int) PARTITION BY LIST (region);
CREATE TABLE free_sales_1 PARTITION OF sales FOR VALUES IN (1);
INSERT INTO sales VALUES (1, 1);
INSERT INTO free_customers VALUES (1);
INSERT INTO orders VALUES (1, 1), (2, 1);
INSERT INTO accounts VALUES (1, 'a', 5);
)";

class OnDdlCommandEnd : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(protect().applied);
  }
  std::string guard(const std::string& table, const std::string& operation) const {
    return scalar("SELECT tgname FROM pg_trigger WHERE tgrelid = '" + table +
                  "'::regclass AND tgname LIKE 'pgwarden\\_" + operation + "\\_%' LIMIT 1");
  }
  std::string guards_state() const {
    return scalar(
        "SELECT count(*) || ' ' || string_agg(DISTINCT tgenabled::text, '') FROM pg_trigger "
        "WHERE tgname LIKE 'pgwarden\\_%' AND tgrelid IN ('orders'::regclass, "
        "'accounts'::regclass)");
  }
};

TEST_F(OnDdlCommandEnd, DisablingAGuardIsRefusedInEveryForm) {
  const std::string before = guards_state();
  const std::string g = guard("orders", "delete");
  const SqlResult r = as_owner("ALTER TABLE orders DISABLE TRIGGER " + g);
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(r.message, "pgwarden: disable_safeguard: ALTER TABLE would leave guard " + g +
                           " on public.orders disabled");
  EXPECT_NE(r.detail.find("Only pgwarden db protect changes them."), std::string::npos) << r.detail;
  for (const std::string& form :
       std::vector<std::string>{"DISABLE TRIGGER ALL", "DISABLE TRIGGER USER",
                                "ENABLE TRIGGER " + g, "ENABLE REPLICA TRIGGER " + g}) {
    EXPECT_TRUE(refused(as_owner("ALTER TABLE orders " + form), "disable_safeguard")) << form;
  }
  EXPECT_TRUE(refused(run("ALTER TABLE orders DISABLE TRIGGER ALL"),
                      "disable_safeguard"));  // a superuser too
  EXPECT_EQ(guards_state(), before);
  EXPECT_EQ(before.back(), 'A');
  EXPECT_TRUE(refused(as_app("DELETE FROM orders"), "delete"));
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "2");
}

TEST_F(OnDdlCommandEnd, DisablingTheCloneOfAGuardOnOnePartitionIsRefused) {
  // PostgreSQL lets a partition's copy of a row trigger be disabled alone.
  const std::string g = guard("sales", "delete");
  const SqlResult r = as_owner("ALTER TABLE free_sales_1 DISABLE TRIGGER " + g);
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(r.message, "pgwarden: disable_safeguard: ALTER TABLE would leave guard " + g +
                           " on public.free_sales_1 disabled");
  EXPECT_EQ(scalar("SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'free_sales_1'::regclass AND "
                   "tgname = '" +
                   g + "'"),
            "A");
  EXPECT_TRUE(refused(as_app("DELETE FROM free_sales_1"), "delete"));
  EXPECT_EQ(scalar("SELECT count(*) FROM sales"), "1");
}

TEST_F(OnDdlCommandEnd, ReplacingOrRenamingAGuardIsRefused) {
  const std::string g = guard("orders", "delete");
  const std::string definition =
      scalar("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = '" + g + "'");
  EXPECT_TRUE(refused(as_owner("ALTER TRIGGER " + g + " ON orders RENAME TO harmless"),
                      "disable_safeguard"));
  std::string replaced = definition;
  replaced.replace(0, std::string("CREATE TRIGGER").size(), "CREATE OR REPLACE TRIGGER");
  replaced.replace(replaced.find("FOR EACH ROW"), std::string("FOR EACH ROW").size(),
                   "FOR EACH ROW WHEN (false)");
  EXPECT_TRUE(refused(as_owner(replaced), "disable_safeguard"));
  EXPECT_EQ(scalar("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = '" + g + "'"),
            definition);
  EXPECT_TRUE(refused(as_app("DELETE FROM orders WHERE id = 1"), "delete"));
}

TEST_F(OnDdlCommandEnd, RenamingMovingOrRetypingAGuardedTableOrColumnIsRefused) {
  SqlResult r = as_owner("ALTER TABLE orders RENAME TO orders_old");
  EXPECT_TRUE(refused(r, "rename"));
  EXPECT_EQ(
      r.message,
      "pgwarden: rename: ALTER TABLE would leave table public.orders renamed to public.orders_old");
  EXPECT_NE(r.detail.find("It runs only with a grant for rename on it in the same transaction."),
            std::string::npos)
      << r.detail;
  EXPECT_TRUE(refused(as_owner("ALTER TABLE orders SET SCHEMA archive"), "rename"));
  r = as_owner("ALTER TABLE accounts RENAME COLUMN balance TO bal");
  EXPECT_TRUE(refused(r, "rename"));
  EXPECT_EQ(r.message,
            "pgwarden: rename: ALTER TABLE would leave column balance of table public.accounts "
            "renamed to bal");
  // A column with a guard of its own is held by PostgreSQL itself: the guard's WHEN depends on it.
  EXPECT_EQ(as_owner("ALTER TABLE accounts ALTER COLUMN balance TYPE bigint").message,
            "cannot alter type of a column used in a trigger definition");
  // An append-only table's guard compares whole rows; a new type (and its USING) would rewrite
  // them.
  r = as_owner("ALTER TABLE ledger ALTER COLUMN amount TYPE int USING 0");
  EXPECT_TRUE(refused(r, "alter_column_type"));
  EXPECT_EQ(r.message,
            "pgwarden: alter_column_type: ALTER TABLE would leave column amount of table "
            "public.ledger of "
            "type integer instead of numeric");
  EXPECT_EQ(scalar("SELECT amount::text FROM ledger"), "10");
  EXPECT_EQ(scalar("SELECT string_agg(c.relnamespace::regnamespace || '.' || c.relname, ',' ORDER "
                   "BY c.relname) "
                   "FROM pg_class c WHERE c.relname IN ('orders', 'accounts')"),
            "public.accounts,public.orders");
  EXPECT_EQ(scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                   "'accounts'::regclass "
                   "AND attname = 'balance'"),
            "numeric");
  // A column no guard compares is the owner's to rename.
  EXPECT_TRUE(as_owner("ALTER TABLE accounts RENAME COLUMN name TO full_name").ok);
}

TEST_F(OnDdlCommandEnd, MakingItAChildOrAPartitionOfAnythingIsRefused) {
  EXPECT_TRUE(refused(as_owner("ALTER TABLE orders INHERIT free_parent"), "disable_safeguard"));
  const SqlResult r =
      as_owner("ALTER TABLE free_range ATTACH PARTITION orders FOR VALUES FROM (0) TO (100)");
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(r.message,
            "pgwarden: disable_safeguard: ALTER TABLE would leave table public.orders with parents "
            "(public.free_range) instead of ()");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_inherits WHERE inhrelid = 'orders'::regclass"), "0");
}

TEST_F(OnDdlCommandEnd, AForeignKeyWhoseActionChangesItsRowsIsRefused) {
  for (const char* action :
       {"ON DELETE CASCADE", "ON DELETE SET NULL", "ON UPDATE CASCADE", "ON DELETE SET DEFAULT"}) {
    const SqlResult r = as_owner(
        std::string("ALTER TABLE orders ADD FOREIGN KEY (customer) REFERENCES free_customers ") +
        action);
    EXPECT_TRUE(refused(r, "disable_safeguard")) << action;
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND "
                   "contype = 'f'"),
            "0");
  // One that restricts changes nothing of the table's rows.
  EXPECT_TRUE(as_owner("ALTER TABLE orders ADD FOREIGN KEY (customer) REFERENCES free_customers ON "
                       "DELETE RESTRICT")
                  .ok);
  EXPECT_TRUE(as_app("DELETE FROM free_customers").sqlstate == "23503");
}

TEST_F(OnDdlCommandEnd, SetUnloggedAndANewOwnerAreRefused) {
  EXPECT_TRUE(refused(as_owner("ALTER TABLE orders SET UNLOGGED"), "disable_safeguard"));
  const SqlResult r = run("ALTER TABLE orders OWNER TO pgw_app");
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(r.message,
            "pgwarden: disable_safeguard: ALTER TABLE would leave role pgw_app the owner of table "
            "public.orders");
  EXPECT_EQ(scalar("SELECT relpersistence::text || ':' || relowner::regrole FROM pg_class WHERE "
                   "oid = 'orders'::regclass"),
            "p:pgw_owner");
}

TEST_F(OnDdlCommandEnd, PgwardensOwnObjectsAreRefusedEvenToASuperuser) {
  EXPECT_TRUE(refused(run("CREATE OR REPLACE FUNCTION pgwarden.granted(relid oid, operations "
                          "text[]) RETURNS boolean "
                          "LANGUAGE sql AS $$ SELECT true $$"),
                      "disable_safeguard"));
  EXPECT_TRUE(refused(run("ALTER FUNCTION pgwarden.granted(oid, text[]) SECURITY INVOKER"),
                      "disable_safeguard"));
  EXPECT_TRUE(refused(run("ALTER TABLE pgwarden.log DISABLE TRIGGER pgwarden_log_rows"),
                      "disable_safeguard"));
  EXPECT_TRUE(refused(run("ALTER SCHEMA pgwarden RENAME TO elsewhere"), "disable_safeguard"));
  const SqlResult r = run("GRANT INSERT ON pgwarden.grants TO pgw_app");
  EXPECT_TRUE(refused(r, "disable_safeguard"));
  EXPECT_EQ(r.message,
            "pgwarden: disable_safeguard: GRANT would give pgw_app INSERT on pgwarden.grants");
  EXPECT_EQ(scalar("SELECT has_table_privilege('pgw_app', 'pgwarden.grants', 'INSERT')"), "f");
  EXPECT_EQ(scalar("SELECT prosecdef::text || (prosrc LIKE '%grants%')::text FROM pg_proc WHERE "
                   "proname = 'granted'"),
            "truetrue");
  // The log is insert-only, for a superuser too.
  const std::string log_rows = scalar("SELECT count(*) FROM pgwarden.log");
  EXPECT_TRUE(refused(run("DELETE FROM pgwarden.log"), "disable_safeguard"));
  EXPECT_TRUE(refused(run("UPDATE pgwarden.log SET changes = '{}'"), "disable_safeguard"));
  EXPECT_TRUE(refused(run("TRUNCATE pgwarden.log"), "disable_safeguard"));
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.log"), log_rows);
}

TEST_F(OnDdlCommandEnd, OtherDdlAndTemporaryTablesRunAsBefore) {
  EXPECT_TRUE(as_owner("CREATE TABLE notes (id int); ALTER TABLE orders ADD COLUMN note text; "
                       "CREATE INDEX ON orders (customer); COMMENT ON TABLE orders IS 'guarded'")
                  .ok);
  EXPECT_TRUE(as_app("CREATE TEMP TABLE scratch (x int); DROP TABLE scratch").ok);
  EXPECT_TRUE(as_owner("ALTER TABLE orders RENAME COLUMN note TO remark").ok);
  EXPECT_TRUE(refused(as_app("DELETE FROM orders"), "delete"));
}

TEST_F(OnDdlCommandEnd, AGrantedRenameRunsAndTheTableKeepsItsRegisteredName) {
  const SqlResult r =
      run("BEGIN; INSERT INTO pgwarden.grants (txid, relid, operation, expires_at) VALUES "
          "(txid_current(), 'orders'::regclass, 'rename', now() + interval '1 minute'); "
          "ALTER TABLE orders RENAME TO orders_2024; COMMIT");
  ASSERT_TRUE(r.ok) << r.message;
  // The registry keeps the name the policy judged; what the event trigger holds it to moved on.
  EXPECT_EQ(
      scalar(
          "SELECT schema_name || '.' || table_name || ' ' || expected_name FROM pgwarden.protected "
          "WHERE relid = 'orders_2024'::regclass"),
      "public.orders orders_2024");
  EXPECT_TRUE(as_owner("ALTER TABLE orders_2024 ADD COLUMN note text").ok);  // not refused again
  EXPECT_TRUE(refused(as_app("DELETE FROM orders_2024"), "delete"));
  // Judged by its registered name, it needs nothing new from db protect.
  const auto again = protect();
  EXPECT_TRUE(again.plan.changes.empty()) << again.plan.changes.front().what;
  EXPECT_EQ(scalar("SELECT count(*) FROM orders_2024"), "2");
}

}  // namespace
}  // namespace pgwarden::test
