#include "policy/table_glob.hpp"

#include <gtest/gtest.h>

namespace pgwarden::policy {
namespace {

sql::ObjectName table(const char* schema, const char* name) { return sql::ObjectName{schema, name}; }

TEST(TableGlob, APatternWithoutADotNamesTablesInEverySchemaAndNeverASchema) {
  const auto g = *TableGlob::compile("scratch_*");
  EXPECT_TRUE(g.matches(table("public", "scratch_1")));
  EXPECT_TRUE(g.matches(table("app", "scratch_1")));
  // The ledger moved into a schema called scratch_w is not a scratch table.
  EXPECT_FALSE(g.matches(table("scratch_w", "ledger_entries")));
}

TEST(TableGlob, APatternWithADotMatchesSchemaAndTableEachOnItsOwn) {
  const auto g = *TableGlob::compile("public.*");
  EXPECT_TRUE(g.matches(table("public", "users")));
  EXPECT_FALSE(g.matches(table("app", "users")));
  // `*` does not reach across the dot: "public.*" is not "publicx.y", nor "pub.lic.users".
  EXPECT_FALSE(g.matches(table("publicx", "users")));
  const auto users = *TableGlob::compile("*.users");
  EXPECT_TRUE(users.matches(table("archive", "users")));
  EXPECT_FALSE(users.matches(table("archive", "users_old")));
  const auto one = *TableGlob::compile("public.users");
  EXPECT_TRUE(one.is_literal());
  EXPECT_TRUE(one.matches(table("public", "users")));
  EXPECT_FALSE(one.matches(table("other", "users")));
}

TEST(TableGlob, ADotInsideABracketOrEscapedIsPartOfTheName) {
  const auto g = *TableGlob::compile("a[.]b");
  EXPECT_TRUE(g.matches(table("public", "a.b")));
  EXPECT_FALSE(g.matches(table("a", "b")));
  const auto e = *TableGlob::compile("a\\.b");
  EXPECT_TRUE(e.matches(table("public", "a.b")));
}

TEST(TableGlob, AnEmptySchemaOrTablePartIsAnError) {
  EXPECT_FALSE(TableGlob::compile(".users"));
  EXPECT_FALSE(TableGlob::compile("public."));
  EXPECT_FALSE(TableGlob::compile("ledger_[a"));
}

}  // namespace
}  // namespace pgwarden::policy
