#include "common/glob.hpp"

#include <gtest/gtest.h>

using pgwarden::Glob;

TEST(Glob, StarQuestionAndClassesMatchLikeAShell) {
  const auto g = Glob::compile("ledger_*");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->matches("ledger_entries"));
  EXPECT_TRUE(g->matches("ledger_"));
  EXPECT_FALSE(g->matches("ledger"));
  EXPECT_FALSE(g->is_literal());
  EXPECT_TRUE(Glob::compile("t?")->matches("t1"));
  EXPECT_TRUE(Glob::compile("log_[0-9]*")->matches("log_2024"));
  EXPECT_FALSE(Glob::compile("log_[!0-9]*")->matches("log_2024"));
  EXPECT_TRUE(Glob::compile("public.*")->matches("public.users"));
}

TEST(Glob, ALiteralMatchesOnlyItself) {
  const auto g = Glob::compile("users");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->is_literal());
  EXPECT_TRUE(g->matches("users"));
  EXPECT_FALSE(g->matches("users2"));
}

TEST(Glob, BadPatternsAreErrorsNotSilentNonMatches) {
  EXPECT_FALSE(Glob::compile("ledger_[a"));
  EXPECT_FALSE(Glob::compile(""));
  EXPECT_FALSE(Glob::compile("abc\\"));
}
