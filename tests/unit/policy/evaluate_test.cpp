#include "policy/evaluate.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "policy_test_helpers.hpp"
#include "sql/analyzer.hpp"

using namespace pgwarden;
using policy::Decision;
using policy::testing::finding;
using policy::testing::judge;
using sql::Action;

namespace {

policy::TableRule table(const char* glob) {
  policy::TableRule t;
  t.name = *policy::TableGlob::compile(glob);
  return t;
}

policy::Policy ledger_policy() {
  auto p = policy::Policy::defaults();
  p.name = "Ledger Immutability Policy";
  p.document = "docs/IMMUTABILITY.md";
  p.immutable_columns = {"id", "created_at"};
  auto ledger = table("ledger_*");
  ledger.append_only = true;
  ledger.immutable = {"amount"};
  ledger.hint = "Correct errors with a reversal entry.";
  auto users = table("users");
  users.soft_delete = policy::SoftDelete{"deleted_at", "now()"};
  users.mutable_columns = std::vector<std::string>{"email", "deleted_at"};
  auto sessions = table("sessions");
  sessions.actions[static_cast<std::size_t>(Action::delete_all)] = Decision::allow;
  p.tables = {ledger, users, sessions};
  return p;
}

}  // namespace

TEST(Evaluate, ASoftDeleteTableGetsTheEquivalentUpdateAsItsHint) {
  const auto v = judge("DELETE FROM users WHERE last_login < now() - interval '2 years'", ledger_policy());
  const auto f = finding(v, Action::delete_rows);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->decision, Decision::approve);
  EXPECT_NE(f->hint.find("UPDATE users SET deleted_at = now() WHERE last_login < (now() - '2 years'::interval)"),
            std::string::npos)
      << f->hint;
  EXPECT_NE(f->detail.find("\"Ledger Immutability Policy\" (docs/IMMUTABILITY.md)"), std::string::npos);
}

TEST(Evaluate, AnAppendOnlyTableRefusesUpdatesWithAReversalHint) {
  const auto v = judge("UPDATE ledger_entries SET memo = 'x' WHERE id = 3", ledger_policy());
  const auto f = finding(v, Action::mutate_append_only);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->decision, Decision::deny);
  EXPECT_NE(f->hint.find("Correct errors with a reversal entry."), std::string::npos);
  EXPECT_NE(f->hint.find("INSERT INTO ledger_entries SELECT * FROM ledger_entries WHERE id = 3"), std::string::npos);
  EXPECT_NE(f->rule.find("append_only"), std::string::npos);
}

TEST(Evaluate, ImmutableColumnsAreGlobalAndPerTable) {
  const auto p = ledger_policy();
  EXPECT_TRUE(finding(judge("UPDATE orders SET created_at = now() WHERE id = 1", p), Action::update_immutable));
  const auto f = finding(judge("INSERT INTO ledger_a VALUES (1) ON CONFLICT (id) DO UPDATE SET amount = 2", p),
                          Action::update_immutable);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->columns, std::vector<std::string>{"amount"});
}

TEST(Evaluate, AMutableListRefusesOtherColumns) {
  const auto v = judge("UPDATE users SET email = 'a', role = 'admin' WHERE id = 1", ledger_policy());
  const auto f = finding(v, Action::update_not_mutable);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->columns, std::vector<std::string>{"role"});
}

TEST(Evaluate, APerTableOverrideBeatsTheGlobalDecision) {
  const auto p = ledger_policy();
  EXPECT_EQ(judge("DELETE FROM sessions", p)[0].decision, Decision::allow);
  EXPECT_EQ(judge("DELETE FROM carts", p)[0].decision, Decision::deny);
}

TEST(Evaluate, WhatTheUnitCreatedIsNotProtected) {
  const auto v = judge("CREATE TEMP TABLE t (id int); INSERT INTO t VALUES (1); DROP TABLE t", ledger_policy());
  ASSERT_EQ(v.size(), 3U);
  EXPECT_EQ(v[2].decision, Decision::allow);
}

TEST(Evaluate, ARenamedTableKeepsItsProtection) {
  const auto v = judge("ALTER TABLE ledger_main RENAME TO l2; DELETE FROM l2 WHERE id = 1", ledger_policy());
  ASSERT_EQ(v.size(), 2U);
  EXPECT_EQ(v[0].decision, Decision::warn);  // rename
  EXPECT_TRUE(finding(v, Action::mutate_append_only));
}

TEST(Evaluate, ACopyOfAUnitGoesOnWithoutTheOriginal) {
  // Copies share what they know until one of them records more (the proxy keeps a unit's state
  // from before a statement): neither sees what the other records afterwards.
  const auto p = ledger_policy();
  const auto run = [&p](const char* text, policy::UnitState& unit) {
    for (const auto& st : sql::analyze(text)) (void)policy::evaluate(st, p, unit);
  };
  policy::UnitState before;
  run("CREATE TABLE a (id int)", before);
  policy::UnitState after = before;
  run("CREATE TABLE b (id int)", after);
  run("ALTER TABLE ledger_x RENAME TO c", before);
  const sql::ObjectName a{"", "a"};
  const sql::ObjectName b{"", "b"};
  const sql::ObjectName c{"", "c"};
  EXPECT_TRUE(before.created(a, sql::ObjectKind::table, p));
  EXPECT_TRUE(after.created(a, sql::ObjectKind::table, p));
  EXPECT_TRUE(after.created(b, sql::ObjectKind::table, p));
  EXPECT_FALSE(before.created(b, sql::ObjectKind::table, p));
  EXPECT_EQ(before.protected_name(before.candidates(c, sql::ObjectKind::table, p).front()).name, "ledger_x");
  EXPECT_EQ(after.protected_name(after.candidates(c, sql::ObjectKind::table, p).front()).name, "c");
  EXPECT_FALSE(after.empty());
  EXPECT_TRUE(policy::UnitState().empty());
}

TEST(Evaluate, AUnitBearsOnWhatItCreatedRenamedOrShadows) {
  // policy::Evaluator reuses a verdict kept for an empty unit only where the unit does not bear
  // on the statement: everything the unit could change in a verdict must answer true.
  const auto p = ledger_policy();
  policy::UnitState unit;
  const auto bears = [&](const char* text) { return unit.bears_on(sql::analyze(text)[0], p); };
  EXPECT_FALSE(bears("DELETE FROM orders WHERE id = 1")) << "an empty unit bears on nothing";
  for (const auto& st : sql::analyze("CREATE TEMP TABLE t (id int); "
                                     "ALTER TABLE ledger_main RENAME TO l2; "
                                     "ALTER TABLE ledger_a RENAME COLUMN amount TO amt")) {
    (void)policy::evaluate(st, p, unit);
  }
  EXPECT_FALSE(bears("DELETE FROM orders WHERE id = 1"));
  EXPECT_FALSE(bears("UPDATE ledger_a SET memo = 'x' WHERE id = 1"));
  EXPECT_TRUE(bears("DROP TABLE t")) << "created in the unit";
  EXPECT_TRUE(bears("CREATE TABLE t (id int)")) << "a bare name the unit's temp table shadows";
  EXPECT_TRUE(bears("DELETE FROM l2 WHERE id = 1")) << "renamed in the unit";
  EXPECT_TRUE(bears("UPDATE ledger_a SET amt = 0 WHERE id = 1")) << "a column renamed in the unit";
}

TEST(Evaluate, ARenamedImmutableColumnStaysImmutable) {
  const auto v = judge("ALTER TABLE ledger_a RENAME COLUMN amount TO amt; INSERT INTO ledger_a VALUES (1) "
                       "ON CONFLICT (id) DO UPDATE SET amt = 0",
                       ledger_policy());
  EXPECT_TRUE(finding(v, Action::update_immutable));
}

TEST(Evaluate, LimitsHoldEvenWhenParseErrorsAreAllowed) {
  auto p = ledger_policy();
  p.on_parse_error = Decision::allow;
  p.actions[static_cast<std::size_t>(Action::parse_error)] = Decision::allow;
  EXPECT_EQ(judge("SELEC 1", p)[0].decision, Decision::allow);
  std::string nested = "SELECT ";
  for (int i = 0; i < 5000; ++i) nested += "1+";
  nested += "1";
  EXPECT_EQ(judge(nested, p)[0].decision, Decision::deny);
}

TEST(Evaluate, DroppingATriggerCitesTheTableItBelongsTo) {
  auto p = ledger_policy();
  p.tables[0].actions[static_cast<std::size_t>(Action::drop_object)] = Decision::deny;
  const auto v = judge("DROP TRIGGER keep_history ON ledger_main", p);
  const auto f = finding(v, Action::drop_object);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->decision, Decision::deny);
  EXPECT_NE(f->message.find("trigger keep_history on ledger_main"), std::string::npos) << f->message;
}

TEST(Evaluate, DollarUserIsTheSessionsRoleFollowedThroughSetRole) {
  // PostgreSQL's "$user" is the current role: SET ROLE and SET SESSION AUTHORIZATION change it,
  // RESET ROLE goes back; a role set where it cannot be known makes a path with "$user" unknown.
  auto p = ledger_policy();
  p.search_path = {"$user", "public"};
  policy::UnitState unit;
  unit.set_user("alice");
  const auto first = [&](policy::UnitState& u) {
    return u.candidates(sql::ObjectName{"", "users"}, sql::ObjectKind::table, p).front().name.schema;
  };
  const auto run = [&](const char* text) {
    for (const auto& st : sql::analyze(text)) (void)policy::evaluate(st, p, unit);
  };
  EXPECT_EQ(first(unit), "alice");
  run("SET ROLE bob");
  EXPECT_EQ(first(unit), "bob");
  run("RESET ROLE");
  EXPECT_EQ(first(unit), "alice");
  run("SET SESSION AUTHORIZATION carol");
  run("SET ROLE NONE");
  EXPECT_EQ(first(unit), "carol") << "NONE is the session authorization";
  run("SELECT set_config('role', current_setting('x.y'), false)");
  EXPECT_EQ(unit.known_search_path(p), nullptr) << "a role computed at run time";
  run("SET ROLE dave");
  EXPECT_EQ(first(unit), "dave");
  // Where the database has no schema named after the role, PostgreSQL skips "$user".
  unit.set_user_schema_exists(false);
  EXPECT_EQ(first(unit), "public");
  run("SET ROLE erin");
  EXPECT_EQ(first(unit), "erin") << "another role: its schema may exist";
}
