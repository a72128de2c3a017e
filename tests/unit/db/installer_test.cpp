// Installing (src/db/installer.cpp, through db::protect): a second run changes nothing and says
// so; an upgrade follows a changed policy (new guards, changed texts, guards removed from tables
// no longer guarded) and logs what changed; a role that is no superuser installs what it can and
// says that the event trigger is missing; a dry run changes nothing; db protect passes its own
// event trigger by a grant the tables' owner cannot write. Checked in the catalog and the rows.
#include <gtest/gtest.h>

#include "db/report.hpp"
#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Policy v1"

[actions]
delete = "approve"

[[tables]]
name = "accounts"
immutable = ["balance"]
)";

constexpr const char* k_schema = R"(
CREATE TABLE orders (id int PRIMARY KEY);
CREATE TABLE accounts (id int PRIMARY KEY, name text, balance numeric);
CREATE TABLE scratch (id int);
INSERT INTO orders VALUES (1), (2);
INSERT INTO accounts VALUES (1, 'a', 5);
INSERT INTO scratch VALUES (1);
)";

class Installer : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
  }
  std::string triggers_on(const std::string& table) const {
    return scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + table +
                  "'::regclass AND tgname LIKE 'pgwarden\\_%'");
  }
};

bool has_change(const db::Plan& plan, db::Change::Kind kind, const std::string& part) {
  for (const auto& c : plan.changes) {
    if (c.kind == kind && c.what.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(Installer, ASecondRunChangesNothingAndSaysSo) {
  const auto first = protect();
  EXPECT_TRUE(first.applied);
  EXPECT_TRUE(first.plan.first_install);
  EXPECT_TRUE(first.plan.problems.empty());
  EXPECT_EQ(scalar("SELECT event || ' ' || pgwarden_version || ' ' || cardinality(changes) FROM "
                   "pgwarden.log"),
            "install test " + std::to_string(first.plan.changes.size()));
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.grants"), "0");  // its own grant is gone with it

  const auto second = protect();
  EXPECT_FALSE(second.applied);
  EXPECT_TRUE(second.plan.changes.empty()) << second.plan.changes.front().what;
  EXPECT_NE(db::render_text(second).find("nothing to change"), std::string::npos);
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.log"), "1");

  const auto check = protect(db::Mode::check);
  EXPECT_EQ(db::exit_code(check), 0) << db::render_text(check);
  EXPECT_NE(db::render_text(check).find("in sync"), std::string::npos);
}

TEST_F(Installer, AnUpgradeFollowsAChangedPolicy) {
  ASSERT_TRUE(protect().applied);
  ASSERT_EQ(triggers_on("scratch"), "2");  // truncate and delete, by the built-in defaults
  ASSERT_TRUE(as_owner("CREATE TABLE invoices (id int); GRANT ALL ON invoices TO pgw_app").ok);

  set_policy(R"(
[policy]
name = "Policy v2"

[actions]
delete = "approve"

[[tables]]
name = "accounts"
immutable = ["balance", "name"]

[[tables]]
name = "scratch"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow" }
)");
  const auto upgrade = protect();
  ASSERT_TRUE(upgrade.applied);
  const auto& plan = upgrade.plan;
  EXPECT_TRUE(has_change(plan, db::Change::Kind::outdated,
                         "on public.orders is outdated"));  // the policy's name is in its texts
  EXPECT_TRUE(has_change(plan, db::Change::Kind::missing,
                         "on public.accounts is missing"));  // name's new guard
  EXPECT_TRUE(has_change(plan, db::Change::Kind::missing, "on public.invoices is missing"));
  EXPECT_TRUE(has_change(plan, db::Change::Kind::extra, "on public.scratch is no longer wanted"));
  EXPECT_TRUE(has_change(plan, db::Change::Kind::registry, "unregister public.scratch"));
  EXPECT_TRUE(has_change(plan, db::Change::Kind::registry, "register public.invoices"));

  // What the database does now: the new texts, the new guards, and scratch free.
  const SqlResult r = as_app("DELETE FROM orders");
  EXPECT_TRUE(refused(r, "delete"));
  EXPECT_NE(r.detail.find("\"Policy v2\""), std::string::npos) << r.detail;
  EXPECT_TRUE(refused(as_app("UPDATE accounts SET name = 'b'"), "update_immutable"));
  EXPECT_TRUE(refused(as_app("TRUNCATE invoices"), "truncate"));
  EXPECT_EQ(triggers_on("scratch"), "0");
  EXPECT_TRUE(as_app("DELETE FROM scratch").ok);
  EXPECT_EQ(
      scalar("SELECT (SELECT count(*) FROM orders) || ':' || (SELECT name FROM accounts) || ':' || "
             "(SELECT count(*) FROM scratch)"),
      "2:a:0");
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.protected WHERE table_name = 'scratch'"), "0");
  EXPECT_EQ(scalar("SELECT string_agg(DISTINCT policy_name, ',') FROM pgwarden.protected"),
            "Policy v2");
  EXPECT_EQ(scalar("SELECT event || ' ' || (array_to_string(changes, '|') LIKE '%scratch is no "
                   "longer wanted%') "
                   "FROM pgwarden.log ORDER BY id DESC LIMIT 1"),
            "upgrade true");
  EXPECT_TRUE(protect().plan.changes.empty());
}

TEST_F(Installer, ADisabledCloneOfAGuardThePolicyDropsDoesNotStopTheUpgrade) {
  ASSERT_TRUE(as_owner("CREATE TABLE sales (id int, region int) PARTITION BY LIST (region); "
                       "CREATE TABLE sales_1 PARTITION OF sales FOR VALUES IN (1); INSERT INTO sales VALUES (1, 1), (2, 1)")
                  .ok);
  ASSERT_TRUE(protect().applied);
  const std::string g = scalar(
      "SELECT tgname FROM pg_trigger WHERE tgrelid = 'sales'::regclass AND tgname LIKE 'pgwarden\\_delete\\_%'");
  ASSERT_TRUE(run("ALTER EVENT TRIGGER pgwarden_ddl_command_end DISABLE; "
                  "ALTER TABLE sales_1 DISABLE TRIGGER " + g + "; "
                  "ALTER EVENT TRIGGER pgwarden_ddl_command_end ENABLE ALWAYS")
                  .ok);
  set_policy(std::string(k_policy) + "\n[[tables]]\nname = \"sales*\"\nactions = { delete = \"allow\" }\n");
  const auto upgrade = try_protect();
  ASSERT_TRUE(upgrade) << upgrade.error().message;
  EXPECT_TRUE(upgrade->applied);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_trigger WHERE tgname = '" + g + "'"), "0");
  EXPECT_TRUE(run("DELETE FROM sales WHERE id = 1").ok);  // deleting some rows is allowed now
  EXPECT_EQ(scalar("SELECT string_agg(id::text, ',') FROM sales"), "2");
  EXPECT_TRUE(protect(db::Mode::check).plan.changes.empty());
}

TEST_F(Installer, WithoutASuperuserTheGuardsGoInAndTheMissingEventTriggerIsSaid) {
  ASSERT_TRUE(run("DO $$ BEGIN CREATE ROLE pgwarden_service NOLOGIN; EXCEPTION WHEN "
                  "duplicate_object THEN END $$")
                  .ok);
  const auto outcome = protect(db::Mode::install, k_owner);
  EXPECT_TRUE(outcome.applied);
  ASSERT_EQ(outcome.plan.problems.size(), 2U);
  EXPECT_NE(outcome.plan.problems[0].find(
                "event trigger pgwarden_ddl_command_end is missing, and only a superuser can "
                "create it (connected as pgw_owner)"),
            std::string::npos)
      << outcome.plan.problems[0];
  EXPECT_EQ(db::exit_code(outcome), 1);
  EXPECT_NE(
      db::render_text(outcome).find("NOT INSTALLED: event trigger pgwarden_sql_drop is missing"),
      std::string::npos);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_event_trigger"), "0");
  EXPECT_TRUE(refused(as_app("DELETE FROM orders"), "delete"));

  // Why it matters: without the event trigger, the owner switches the guards off.
  EXPECT_TRUE(as_owner("ALTER TABLE orders DISABLE TRIGGER USER").ok);
  const auto check = protect(db::Mode::check, k_owner);
  EXPECT_EQ(db::exit_code(check), 1);
  EXPECT_TRUE(has_change(check.plan, db::Change::Kind::disabled, "on public.orders is disabled"));
  EXPECT_EQ(check.plan.problems.size(), 2U);

  // A superuser's run takes pgwarden's objects over, mends the guards and adds the event triggers.
  const auto fixed = protect();
  EXPECT_TRUE(fixed.plan.problems.empty());
  EXPECT_TRUE(
      has_change(fixed.plan, db::Change::Kind::base, "belong to pgw_owner, who is no superuser"));
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgwarden'::regnamespace "
                   "AND proowner <> 'postgres'::regrole"),
            "0");
  EXPECT_EQ(scalar("SELECT string_agg(evtenabled::text, '') FROM pg_event_trigger"), "AA");
  EXPECT_TRUE(refused(as_owner("ALTER TABLE orders DISABLE TRIGGER USER"), "disable_safeguard"));
  EXPECT_EQ(db::exit_code(protect(db::Mode::check)), 0);
}

TEST_F(Installer, ADryRunPrintsTheSqlAndChangesNothing) {
  const auto outcome = protect(db::Mode::dry_run);
  EXPECT_FALSE(outcome.applied);
  EXPECT_FALSE(outcome.plan.changes.empty());
  const std::string sql = db::render_sql(outcome);
  EXPECT_NE(sql.find("BEGIN;\n"), std::string::npos);
  EXPECT_NE(sql.find("CREATE SCHEMA IF NOT EXISTS \"pgwarden\";"), std::string::npos);
  EXPECT_NE(sql.find("CREATE TRIGGER \"pgwarden_delete_"), std::string::npos);
  EXPECT_NE(sql.find("CREATE EVENT TRIGGER \"pgwarden_sql_drop\""), std::string::npos);
  EXPECT_EQ(sql.substr(sql.size() - 8), "COMMIT;\n");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'pgwarden'"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgwarden%'"), "0");
  EXPECT_TRUE(as_app("DELETE FROM scratch").ok);
}

TEST_F(Installer, TheOwnerCannotImitateDbProtectsPassThroughItsEventTrigger) {
  ASSERT_TRUE(protect().applied);
  const std::string pass =
      "INSERT INTO pgwarden.grants (txid, relid, operation, expires_at) VALUES "
      "(txid_current(), NULL, 'protect', now() + interval '1 hour')";
  const SqlResult r =
      as_owner("BEGIN; " + pass + "; ALTER TABLE orders DISABLE TRIGGER USER; COMMIT");
  EXPECT_EQ(r.sqlstate, "42501");
  EXPECT_EQ(r.message, "permission denied for table grants");
  EXPECT_TRUE(
      refused(as_owner("SET pgwarden.protect = on; ALTER TABLE orders DISABLE TRIGGER USER"),
              "disable_safeguard"));
  EXPECT_EQ(scalar("SELECT string_agg(DISTINCT tgenabled::text, '') FROM pg_trigger WHERE tgrelid "
                   "= 'orders'::regclass"),
            "A");
  // A superuser can write that grant: superusers are not stopped by anything (docs/db.md, limits).
  EXPECT_TRUE(run("BEGIN; " + pass + "; ALTER TABLE orders DISABLE TRIGGER USER; ROLLBACK").ok);
}

}  // namespace
}  // namespace pgwarden::test
