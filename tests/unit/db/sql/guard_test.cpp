// The guards of src/db/sql/guard.sql on the statements that name a guarded table: TRUNCATE,
// DELETE of every row and of some, UPDATE of an immutable column and of an append-only table,
// with session_replication_role = replica too. The application role holds every privilege on
// the tables (granted before db protect ran, [db] roles is empty): only the guards stop it.
// Every test checks the rows on the server afterwards.
#include <gtest/gtest.h>

#include "support/db_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr const char* k_policy = R"(
[policy]
name = "Guard Test Policy"
document = "docs/DATA.md"

[actions]
delete = "approve"
delete_all = "deny"

[columns]
immutable = ["id"]

[[tables]]
name = "ledger"
append_only = true
hint = "Correct errors with a reversal entry."

[[tables]]
name = "accounts"
immutable = ["opened_at", "balance"]
)";

constexpr const char* k_schema = R"(
CREATE TABLE ledger (id bigint PRIMARY KEY, account int NOT NULL, amount numeric NOT NULL);
CREATE TABLE accounts (id int PRIMARY KEY, name text, balance numeric, opened_at date DEFAULT '2024-01-01');
INSERT INTO ledger VALUES (1, 1, 10.0), (2, 1, -2.5), (3, 2, 7);
INSERT INTO accounts (id, name, balance) VALUES (1, 'alice', 1.0), (2, 'bob', 2.0);
)";

class Guard : public DbFixture {
 protected:
  void SetUp() override {
    DbFixture::SetUp();
    if (IsSkipped()) return;
    prepare(k_schema, k_policy);
    if (HasFatalFailure()) return;
    const auto outcome = protect();
    ASSERT_TRUE(outcome.applied);
    ASSERT_TRUE(outcome.plan.problems.empty()) << outcome.plan.problems.front();
  }
  std::string ledger() const { return scalar("SELECT count(*) || ':' || sum(amount) FROM ledger"); }
  std::string accounts() const {
    return scalar(
        "SELECT string_agg(id || name || balance || opened_at, ',' ORDER BY id) FROM accounts");
  }
};

TEST_F(Guard, TruncateIsRefusedWithThePolicysOwnWordsAndEveryRowStays) {
  const auto before = ledger();
  const SqlResult r = as_app("TRUNCATE ledger");
  EXPECT_TRUE(refused(r, "truncate"));
  EXPECT_EQ(r.message,
            "pgwarden: truncate: TRUNCATE would delete every row of table public.ledger");
  EXPECT_EQ(
      r.detail,
      "Refused by \"Guard Test Policy\" (docs/DATA.md): the built-in default truncate = \"deny\". "
      "Nothing unlocks it.");
  EXPECT_NE(r.hint.find("Correct errors with a reversal entry."), std::string::npos) << r.hint;
  EXPECT_EQ(ledger(), before);
  // The owner is refused the same way; so is TRUNCATE ... CASCADE and TRUNCATE of two tables.
  EXPECT_TRUE(refused(as_owner("TRUNCATE ledger"), "truncate"));
  EXPECT_TRUE(refused(as_app("TRUNCATE accounts, ledger CASCADE"), "truncate"));
  EXPECT_EQ(ledger(), before);
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts"), "2");
}

TEST_F(Guard, DeletingEveryRowOrSomeRowsIsRefused) {
  SqlResult r = as_app("DELETE FROM accounts");
  EXPECT_TRUE(refused(r, "delete"));
  EXPECT_EQ(r.message, "pgwarden: delete: DELETE would delete rows of table public.accounts");
  EXPECT_NE(r.detail.find(
                "[actions] delete = \"approve\". It runs only with an explicit human approval."),
            std::string::npos)
      << r.detail;
  // The hint is the engine's soft-delete rewrite, with the condition it cannot know spelled out.
  EXPECT_NE(
      r.hint.find("UPDATE public.accounts SET deleted_at = now() WHERE <the same condition>;"),
      std::string::npos)
      << r.hint;
  EXPECT_TRUE(refused(as_app("DELETE FROM accounts WHERE id = 2"), "delete"));
  EXPECT_TRUE(refused(as_app("WITH gone AS (DELETE FROM accounts WHERE name = 'bob' RETURNING *) "
                             "SELECT count(*) FROM gone"),
                      "delete"));
  EXPECT_TRUE(refused(
      as_app(
          "MERGE INTO accounts a USING (VALUES (1)) v(id) ON a.id = v.id WHEN MATCHED THEN DELETE"),
      "delete"));
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts"), "2");
  // On an append-only table the stricter finding is shown: it is a change of history.
  r = as_app("DELETE FROM ledger WHERE id = 3");
  EXPECT_TRUE(refused(r, "mutate_append_only"));
  EXPECT_EQ(ledger(), "3:14.5");
}

TEST_F(Guard, AnImmutableColumnKeepsItsValueWhileOthersChange) {
  const SqlResult r = as_app("UPDATE accounts SET balance = 5 WHERE id = 1");
  EXPECT_TRUE(refused(r, "update_immutable"));
  EXPECT_EQ(r.message,
            "pgwarden: update_immutable: UPDATE would change immutable column balance of table "
            "public.accounts");
  EXPECT_TRUE(refused(as_app("UPDATE accounts SET id = id + 10"), "update_immutable"));
  EXPECT_TRUE(
      refused(as_app("UPDATE accounts SET opened_at = NULL WHERE id = 2"), "update_immutable"));
  // Setting a column to the value it holds changes nothing, and other columns change freely.
  EXPECT_TRUE(as_app("UPDATE accounts SET balance = balance, name = upper(name)").ok);
  EXPECT_EQ(accounts(), "1ALICE1.02024-01-01,2BOB2.02024-01-01");
}

TEST_F(Guard, AValueThatIsEqualButNotTheSameCountsAsAChange) {
  // numeric 1.0 = 1.00, but the stored value would change: the guard compares bytes.
  EXPECT_TRUE(
      refused(as_app("UPDATE accounts SET balance = 1.00 WHERE id = 1"), "update_immutable"));
  EXPECT_TRUE(
      refused(as_app("UPDATE accounts SET balance = NULL WHERE id = 1"), "update_immutable"));
  EXPECT_EQ(scalar("SELECT balance::text FROM accounts WHERE id = 1"), "1.0");
}

TEST_F(Guard, AnAppendOnlyTableRefusesEveryRowChangeEvenOfAColumnAddedLater) {
  EXPECT_TRUE(refused(as_app("UPDATE ledger SET account = 9 WHERE id = 1"), "mutate_append_only"));
  EXPECT_TRUE(as_app("INSERT INTO ledger VALUES (4, 3, 1)").ok);
  EXPECT_TRUE(as_owner("ALTER TABLE ledger ADD COLUMN note text").ok);
  EXPECT_TRUE(refused(as_app("UPDATE ledger SET note = 'x' WHERE id = 4"), "mutate_append_only"));
  EXPECT_TRUE(refused(
      as_app("INSERT INTO ledger VALUES (4, 3, 1) ON CONFLICT (id) DO UPDATE SET amount = 0"),
      "mutate_append_only"));
  EXPECT_EQ(
      scalar("SELECT count(*) FILTER (WHERE note IS NOT NULL) || ':' || sum(amount) FROM ledger"),
      "0:15.5");
}

TEST_F(Guard, ABeforeTriggerThatRewritesTheRowCannotSlipAChangePastTheGuard) {
  // BEFORE triggers fire in name order; "zz_" fires after any BEFORE guard would have. The guard
  // looks at the row that is stored (AFTER), so the change is caught whatever its name.
  ASSERT_TRUE(as_owner(R"(
    CREATE FUNCTION sneak() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.balance := 1000; RETURN NEW; END $$;
    CREATE TRIGGER zz_sneak BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION sneak();
  )")
                  .ok);
  EXPECT_TRUE(
      refused(as_app("UPDATE accounts SET name = 'carol' WHERE id = 1"), "update_immutable"));
  // And a BEFORE trigger that puts the old value back makes an UPDATE harmless: it runs.
  ASSERT_TRUE(as_owner(R"(
    CREATE OR REPLACE FUNCTION sneak() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.balance := OLD.balance; RETURN NEW; END $$;
  )")
                  .ok);
  EXPECT_TRUE(as_app("UPDATE accounts SET name = 'carol', balance = 99 WHERE id = 1").ok);
  EXPECT_EQ(accounts(), "1carol1.02024-01-01,2bob2.02024-01-01");
}

TEST_F(Guard, ReplicaModeDoesNotSkipTheGuards) {
  // session_replication_role = replica skips ordinary triggers; the guards are ENABLE ALWAYS.
  const std::string replica = "SET session_replication_role = replica; ";
  EXPECT_TRUE(refused(run(replica + "TRUNCATE ledger"), "truncate"));
  EXPECT_TRUE(refused(run(replica + "DELETE FROM accounts"), "delete"));
  EXPECT_TRUE(refused(run(replica + "UPDATE accounts SET balance = 0"), "update_immutable"));
  EXPECT_TRUE(refused(run(replica + "UPDATE ledger SET amount = 0"), "mutate_append_only"));
  EXPECT_EQ(ledger(), "3:14.5");
  EXPECT_EQ(accounts(), "1alice1.02024-01-01,2bob2.02024-01-01");
  EXPECT_EQ(
      scalar(
          "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgwarden\\_%' AND tgenabled <> 'A'"),
      "0");
}

TEST_F(Guard, ATableThePolicyAllowsEverythingOnGetsNoGuard) {
  set_policy(std::string(k_policy) + R"(
[[tables]]
name = "scratch"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow", update_immutable = "allow" }
)");
  ASSERT_TRUE(as_owner("CREATE TABLE scratch (id int); INSERT INTO scratch VALUES (1), (2)").ok);
  protect();
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'scratch'::regclass"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM pgwarden.protected WHERE relid = 'scratch'::regclass"),
            "0");
  EXPECT_TRUE(
      run("DELETE FROM scratch WHERE id = 1; UPDATE scratch SET id = 5; TRUNCATE scratch").ok);
  EXPECT_EQ(scalar("SELECT count(*) FROM scratch"), "0");
}

}  // namespace
}  // namespace pgwarden::test
