// `make run`, the main job: a throwaway PostgreSQL 15 guarded by `pgwarden proxy`, three
// refusals and one allowed soft delete through psql, and the command to connect.
#include <gtest/gtest.h>

#include "shell.hpp"
#include "support/pg_cluster.hpp"

namespace pgwarden::test {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(MakeRun, GuardsAThrowawayDatabaseAndShowsThreeRefusalsAndASoftDelete) {
  if (!postgres15_installed()) GTEST_SKIP() << "PostgreSQL 15 is not installed: the demo needs it";
  const test::Run r = shell("CI=true scripts/demo-proxy.sh build/pgwarden");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(count(r.out, "ERROR:  pgwarden: "), 3U) << r.out;
  EXPECT_NE(r.out.find("HINT:  users is soft-deleted: UPDATE users SET deleted_at = now() WHERE email = 'grace@example.com';"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("UPDATE 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("     2 |              3"), std::string::npos) << r.out;  // nothing was lost
  EXPECT_NE(r.out.find("Connect through the guard yourself: psql \"host=127.0.0.1 port="), std::string::npos) << r.out;
  EXPECT_EQ(count(r.out, "\ndeny     "), 2U) << r.out;  // the record
}

}  // namespace
}  // namespace pgwarden::test
