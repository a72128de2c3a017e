// What db protect asks the policy engine (src/db/refusals.cpp): the statements it synthesizes
// for one table, and the refusals it keeps. No database: the engine alone decides.
#include "db/refusals.hpp"

#include <gtest/gtest.h>

#include "policy/load.hpp"

using namespace pgwarden;

namespace {

policy::Policy load(const std::string& text) {
  auto p = policy::parse_policy(text, "pgwarden.toml");
  EXPECT_TRUE(p) << p.error().to_string();
  return p ? *p : policy::Policy::defaults();
}

const std::vector<db::TableColumn> k_columns = {{1, "id"}, {2, "amount"}, {3, "note"}};

}  // namespace

TEST(Refusals, TheBuiltInDefaultsGuardEveryTableAgainstLosingRows) {
  const auto r = db::judge_table(policy::Policy::defaults(), "public", "orders", k_columns);
  ASSERT_TRUE(r.truncate && r.delete_rows && r.delete_all && r.drop_table);
  EXPECT_EQ(r.truncate->decision, policy::Decision::deny);
  EXPECT_EQ(r.delete_rows->decision, policy::Decision::approve);
  EXPECT_EQ(r.delete_rows->actions, std::vector<std::string>{"delete"});
  EXPECT_EQ(r.delete_rows->message, "DELETE would delete rows of table public.orders");
  EXPECT_TRUE(r.update.empty());  // no column is immutable by default
  EXPECT_FALSE(r.update_row);
}

TEST(Refusals, AHintSaysTheSameConditionInsteadOfTheSynthesizedOne) {
  const auto r = db::judge_table(policy::Policy::defaults(), "public", "orders", k_columns);
  EXPECT_EQ(r.delete_rows->hint,
            "Soft-delete instead (add a deleted_at timestamptz column if public.orders has none): "
            "UPDATE public.orders SET deleted_at = now() WHERE <the same condition>;");
  EXPECT_EQ(r.delete_rows->hint.find("pgwarden_same_condition"), std::string::npos);
}

TEST(Refusals, AnAppendOnlyTableIsGuardedRowByRowWithEveryActionThatRefuses) {
  const auto p =
      load("[columns]\nimmutable = [\"id\"]\n[[tables]]\nname = \"ledger\"\nappend_only = true\n");
  const auto r = db::judge_table(p, "public", "ledger", k_columns);
  ASSERT_TRUE(r.update_row);
  EXPECT_EQ(r.update_row->actions,
            (std::vector<std::string>{"mutate_append_only", "update_immutable"}));
  EXPECT_EQ(r.update_row->message,
            "UPDATE would change the history of append-only table public.ledger");
  ASSERT_TRUE(r.delete_rows);
  EXPECT_EQ(r.delete_rows->decision, policy::Decision::deny);  // the strictest finding decides
  EXPECT_EQ(r.delete_rows->actions.front(), "mutate_append_only");
}

TEST(Refusals, ImmutableColumnsAreGuardedOneByOne) {
  const auto p = load("[[tables]]\nname = \"public.orders\"\nimmutable = [\"amount\"]\n");
  const auto r = db::judge_table(p, "public", "orders", k_columns);
  EXPECT_FALSE(r.update_row);
  ASSERT_EQ(r.update.size(), 1U);
  EXPECT_EQ(r.update[0].attnum, 2);
  EXPECT_EQ(r.update[0].refusal.message,
            "UPDATE would change immutable column amount of table public.orders");
  // The same name in another schema is another table: a qualified glob does not match it.
  EXPECT_TRUE(db::judge_table(p, "archive", "orders", k_columns).update.empty());
}

TEST(Refusals, ATableWhoseDeletesAreAllowedIsGuardedOnlyAgainstEmptying) {
  const auto p = load(
      "[[tables]]\nname = \"queue\"\nactions = { delete = \"allow\", truncate = \"allow\" }\n");
  const auto r = db::judge_table(p, "public", "queue", k_columns);
  EXPECT_FALSE(r.truncate);
  EXPECT_FALSE(r.delete_rows);
  ASSERT_TRUE(r.delete_all);
  EXPECT_EQ(r.delete_all->actions, std::vector<std::string>{"delete_all"});
}

TEST(Refusals, ATableThePolicyAllowsEverythingOnHasNone) {
  const auto p = load(
      "[[tables]]\nname = \"scratch\"\nactions = { truncate = \"allow\", delete = \"allow\", "
      "delete_all = \"allow\", drop_table = \"allow\" }\n");
  EXPECT_TRUE(db::judge_table(p, "public", "scratch", k_columns).empty());
}

TEST(Refusals, NamesThatNeedQuotingAreAskedAboutAsTheyAre) {
  const auto p = load("[[tables]]\nname = \"Odd \\\"Name\\\"\"\nappend_only = true\n");
  const auto r = db::judge_table(p, "Sales Data", "Odd \"Name\"", {{1, "select"}});
  ASSERT_TRUE(r.update_row);
  EXPECT_EQ(
      r.update_row->message,
      "UPDATE would change the history of append-only table \"Sales Data\".\"Odd \"\"Name\"\"\"");
}
