// Which guard triggers db protect wants (src/db/wanted.cpp), from a catalog written by hand: row
// guards once on a partitioned table (PostgreSQL clones them), TRUNCATE guards on every partition,
// delete_all guards on the table, its partitions and its partition ancestors; a registered table
// judged by its registered name; a table the role may not put triggers on skipped with the reason.
#include "db/wanted.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "policy/load.hpp"

using namespace pgwarden;

namespace {

policy::Policy load(const std::string& text) {
  auto p = policy::parse_policy(text, "pgwarden.toml");
  EXPECT_TRUE(p) << p.error().to_string();
  return p ? *p : policy::Policy::defaults();
}

db::Table table(std::uint32_t relid, const std::string& name,
                std::vector<std::uint32_t> ancestors = {},
                std::vector<std::uint32_t> descendants = {}) {
  db::Table t;
  t.relid = relid;
  t.schema = "public";
  t.name = name;
  t.partitioned = !descendants.empty();
  t.can_trigger = true;
  t.columns = {{1, "id"}, {2, "region"}};
  t.partition_ancestors = std::move(ancestors);
  t.partition_descendants = std::move(descendants);
  return t;
}

// "relid name" of every wanted trigger, sorted.
std::vector<std::string> triggers(const db::Wanted& w) {
  std::vector<std::string> out;
  for (const auto& g : w.triggers) out.push_back(std::to_string(g.relid) + " " + g.name());
  std::sort(out.begin(), out.end());
  return out;
}

constexpr const char* k_free = R"(
[[tables]]
name = "free_*"
actions = { truncate = "allow", delete = "allow", delete_all = "allow", drop_table = "allow" }
)";

}  // namespace

TEST(Wanted, APartitionedTableHasItsRowGuardsOnceAndItsTruncateGuardOnEveryPartition) {
  db::Catalog c;
  c.tables = {table(10, "sales", {}, {11, 12}), table(11, "free_sales_1", {10}),
              table(12, "free_sales_2", {10})};
  const auto w = db::want(c, load(k_free));
  EXPECT_EQ(triggers(w),
            (std::vector<std::string>{"10 pgwarden_delete_10", "10 pgwarden_truncate_10",
                                      "11 pgwarden_truncate_10", "12 pgwarden_truncate_10"}));
  ASSERT_EQ(w.registrations.size(), 1U);
  EXPECT_EQ(w.registrations[0].guards,
            (std::vector<std::string>{"truncate", "delete", "drop_table"}));
}

TEST(Wanted, ADeleteAllGuardSitsOnTheTableItsPartitionsAndItsPartitionAncestors) {
  db::Catalog c;
  c.tables = {table(10, "free_jobs", {}, {11, 12, 13}), table(11, "queue", {10}, {12}),
              table(12, "free_q1", {11, 10}), table(13, "free_other", {10})};
  const auto w = db::want(
      c, load(std::string(k_free) + "[[tables]]\nname = \"queue\"\nactions = { delete = \"allow\", "
                                    "truncate = \"allow\" }\n"));
  EXPECT_EQ(triggers(w),
            (std::vector<std::string>{"10 pgwarden_delete_all_11", "11 pgwarden_delete_all_11",
                                      "12 pgwarden_delete_all_11"}));
  EXPECT_EQ(w.triggers.front().args.front(), "11");  // every one guards the table it was made for
}

TEST(Wanted, ARegisteredTableIsJudgedByItsRegisteredName) {
  db::Catalog c;
  c.tables = {table(10, "ledger_old")};
  c.registrations.push_back(
      {10, "public", "ledger", {"update"}, "{}", "p", "pgwarden.toml", "", {}, true});
  const auto p = load(
      "[[tables]]\nname = \"ledger\"\nappend_only = true\n[[tables]]\nname = \"ledger_old\"\n"
      "actions = { truncate = \"allow\", delete = \"allow\", delete_all = \"allow\", "
      "drop_table = \"allow\" }\n");
  const auto w = db::want(c, p);
  ASSERT_EQ(w.registrations.size(), 1U);
  EXPECT_EQ(w.registrations[0].table_name, "ledger");
  EXPECT_EQ(w.registrations[0].display, "public.ledger_old");
  const auto names = triggers(w);
  EXPECT_NE(std::find(names.begin(), names.end(), "10 pgwarden_update_10"), names.end());
}

TEST(Wanted, ATableTheRoleMayNotPutTriggersOnIsSkippedWithTheReason) {
  db::Catalog c;
  c.session.user = "deploy";
  c.tables = {table(10, "orders")};
  c.tables[0].can_trigger = false;
  const auto w = db::want(c, policy::Policy::defaults());
  EXPECT_TRUE(w.triggers.empty());
  EXPECT_TRUE(w.registrations.empty());
  ASSERT_EQ(w.skipped.size(), 1U);
  EXPECT_EQ(
      w.skipped[0],
      "public.orders: role deploy may not create triggers on public.orders (it needs to own it, or "
      "the TRIGGER privilege)");
}
