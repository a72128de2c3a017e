// db protect --check (src/db/protect.cpp, Mode::check): every difference between the policy and
// what is installed, found after a superuser worked behind the event trigger's back (it
// disabled the event trigger, then a guard; renamed and dropped guarded tables; replaced a guard
// in place). Each time the test shows the harm done meanwhile, that --check says so (exit 1),
// and that db protect puts everything back.
#include <gtest/gtest.h>

#include "db/report.hpp"
#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Check Policy"

[actions]
delete = "approve"
)";

constexpr const char* k_schema = R"(
CREATE TABLE orders (id int PRIMARY KEY);
CREATE TABLE accounts (id int PRIMARY KEY);
INSERT INTO orders VALUES (1), (2), (3);
INSERT INTO accounts VALUES (1);
)";

class Check : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(protect().applied);
    ASSERT_EQ(db::exit_code(protect(db::Mode::check)), 0);
  }
  // The differences --check reports, one "kind: what" per line.
  std::string differences() {
    const auto outcome = protect(db::Mode::check);
    std::string out;
    for (const auto& c : outcome.plan.changes)
      out += std::string(db::to_string(c.kind)) + ": " + c.what + "\n";
    for (const auto& p : outcome.plan.problems) out += "problem: " + p + "\n";
    EXPECT_EQ(db::exit_code(outcome), out.empty() ? 0 : 1);
    return out;
  }
  std::string delete_guard() const {
    return scalar(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname LIKE "
        "'pgwarden\\_delete%'");
  }
};

TEST_F(Check, ItFindsADisabledEventTriggerAndTheGuardDisabledBehindIt) {
  ASSERT_TRUE(run("ALTER EVENT TRIGGER pgwarden_ddl_command_end DISABLE").ok);
  EXPECT_EQ(differences(), "disabled: event trigger pgwarden_ddl_command_end is disabled\n");
  const std::string g = delete_guard();
  ASSERT_TRUE(as_owner("ALTER TABLE orders DISABLE TRIGGER " + g).ok);  // nothing watches any more
  EXPECT_TRUE(as_app("DELETE FROM orders WHERE id = 3").ok);
  EXPECT_EQ(differences(), "disabled: guard " + g +
                               " (delete) on public.orders is disabled\n"
                               "disabled: event trigger pgwarden_ddl_command_end is disabled\n");

  const auto mended = protect();
  EXPECT_TRUE(mended.applied);
  EXPECT_EQ(differences(), "");
  EXPECT_TRUE(refused(as_app("DELETE FROM orders"), "delete"));
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "2");
}

TEST_F(Check, ItFindsAGuardedTableRenamedOrGone) {
  ASSERT_TRUE(run("ALTER EVENT TRIGGER pgwarden_ddl_command_end DISABLE; ALTER EVENT TRIGGER "
                  "pgwarden_sql_drop DISABLE")
                  .ok);
  ASSERT_TRUE(as_owner("ALTER TABLE orders RENAME TO orders_x; DROP TABLE accounts").ok);
  const std::string found = differences();
  EXPECT_NE(
      found.find(
          "drift: table public.orders renamed to public.orders_x while the event trigger was not "
          "watching; record it\n"),
      std::string::npos)
      << found;
  EXPECT_NE(found.find("registry: unregister public.accounts: the table is gone\n"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("disabled: event trigger pgwarden_sql_drop is disabled\n"),
            std::string::npos)
      << found;

  ASSERT_TRUE(protect().applied);
  EXPECT_EQ(differences(), "");
  // Still judged, and registered, under the name it had.
  EXPECT_EQ(scalar("SELECT schema_name || '.' || table_name || ' as ' || expected_name FROM "
                   "pgwarden.protected"),
            "public.orders as orders_x");
  EXPECT_TRUE(refused(as_app("DELETE FROM orders_x"), "delete"));
  EXPECT_TRUE(refused(as_owner("ALTER TABLE orders_x RENAME TO orders_y"), "rename"));
}

TEST_F(Check, ItFindsAGuardReplacedInPlace) {
  // CREATE OR REPLACE TRIGGER keeps the trigger's name, OID and arguments; only its definition
  // tells it apart. With the event trigger away, a WHEN (false) switches the guard off.
  const std::string g = delete_guard();
  std::string definition =
      scalar("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = '" + g + "'");
  definition.replace(0, std::string("CREATE TRIGGER").size(), "CREATE OR REPLACE TRIGGER");
  definition.replace(definition.find("FOR EACH ROW"), std::string("FOR EACH ROW").size(),
                     "FOR EACH ROW WHEN (false)");
  ASSERT_TRUE(run("ALTER EVENT TRIGGER pgwarden_ddl_command_end DISABLE; " + definition).ok);
  ASSERT_TRUE(run("ALTER EVENT TRIGGER pgwarden_ddl_command_end ENABLE ALWAYS").ok);
  EXPECT_TRUE(as_app("DELETE FROM orders WHERE id = 3").ok);
  EXPECT_EQ(differences(), "outdated: guard " + g +
                               " (delete) on public.orders is not the trigger pgwarden created "
                               "(its definition differs)\n");
  ASSERT_TRUE(protect().applied);
  EXPECT_EQ(differences(), "");
  EXPECT_TRUE(refused(as_app("DELETE FROM orders"), "delete"));
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "2");
}

TEST_F(Check, ItFindsTablesThePolicyGuardsButTheDatabaseDoesNot) {
  ASSERT_TRUE(as_owner("CREATE TABLE invoices (id int)").ok);
  const std::string found = differences();
  EXPECT_NE(found.find("missing: guard pgwarden_truncate_"), std::string::npos) << found;
  EXPECT_NE(found.find("registry: register public.invoices (guards: truncate, delete, drop_table)"),
            std::string::npos)
      << found;
}

}  // namespace
}  // namespace pgwarden::test
