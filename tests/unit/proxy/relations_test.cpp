// RelationCatalogs (src/proxy/relations.cpp): the relation snapshot per database and when it is
// read again.
#include "proxy/relations.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace pgwarden::proxy {
namespace {

using namespace std::chrono_literals;

// A refresh handed out to a judgement that never asks for it (the statement was refused, or its
// connection went away) must not leave the snapshot unread for ever.
TEST(RelationCatalogs, ARefreshHandedOutButNeverReadIsHandedOutAgainAfterTheLease) {
  RelationCatalogs catalogs(Upstream{"127.0.0.1", 5432}, 1ms, 100ms);
  catalogs.store("db", catalogs.generation("db"), {}, {}, {}, [](const sql::ObjectName&) { return false; });
  std::this_thread::sleep_for(5ms);
  const auto first = catalogs.find("db");
  ASSERT_NE(first.snapshot, nullptr);
  EXPECT_TRUE(first.refresh);
  EXPECT_FALSE(catalogs.find("db").refresh) << "one refresh at a time";
  std::this_thread::sleep_for(150ms);
  EXPECT_TRUE(catalogs.find("db").refresh) << "the lost refresh is handed out again";
}

TEST(RelationCatalogs, AFailedReadServesASnapshotThatSaysWhyAndAsksForAnotherRead) {
  RelationCatalogs catalogs(Upstream{"127.0.0.1", 5432});
  catalogs.failed("db", "the lookup connection failed: no route");
  const auto found = catalogs.find("db");
  ASSERT_NE(found.snapshot, nullptr);
  EXPECT_EQ(found.snapshot->unreadable(), "the lookup connection failed: no route");
  EXPECT_TRUE(found.refresh);
}

// A column the policy protects keeps its name's protection after renames (by attnum), in every
// later snapshot; columns the policy does not name are not remembered.
TEST(RelationCatalogs, AProtectedColumnIsKnownByItsFormerNamesAfterARename) {
  RelationCatalogs catalogs(Upstream{"127.0.0.1", 5432});
  const auto protects = [](const sql::ObjectName&) { return false; };
  const auto protects_column = [](const sql::ObjectName& table, const std::string& column) {
    return table.name == "users" && (column == "id" || column == "created_at");
  };
  const auto users = [](std::vector<std::pair<int, std::string>> columns) {
    RelationRow row;
    row.oid = 16384;
    row.schema = "public";
    row.name = "users";
    row.columns = std::move(columns);
    return std::vector<RelationRow>{row};
  };
  const auto columns_of = [&] {
    const auto found = catalogs.find("db");
    EXPECT_NE(found.snapshot, nullptr);
    const policy::CatalogRelation* r = found.snapshot->find(sql::ObjectName{"public", "users"});
    EXPECT_NE(r, nullptr);
    return r != nullptr ? r->protected_columns : std::vector<std::pair<std::string, std::string>>{};
  };
  catalogs.store("db", catalogs.generation("db"), users({{1, "id"}, {2, "email"}, {3, "created_at"}}), {}, {},
                 protects, protects_column);
  EXPECT_TRUE(columns_of().empty());
  catalogs.store("db", catalogs.generation("db"), users({{1, "uid"}, {2, "id"}, {3, "created_at"}}), {}, {},
                 protects, protects_column);
  // uid was id; email, now called id, was never protected (it is now, by its new name).
  EXPECT_EQ(columns_of(), (std::vector<std::pair<std::string, std::string>>{{"uid", "id"}}));
  catalogs.store("db", catalogs.generation("db"), users({{1, "x"}, {2, "e"}, {3, "created_at"}}), {}, {},
                 protects, protects_column);
  const auto now = columns_of();
  EXPECT_NE(std::find(now.begin(), now.end(), std::pair<std::string, std::string>{"x", "id"}), now.end());
  EXPECT_NE(std::find(now.begin(), now.end(), std::pair<std::string, std::string>{"e", "id"}), now.end())
      << "attnum 2 was protected as id in the second snapshot";
  // Another database knows nothing of these.
  catalogs.store("other", catalogs.generation("other"), users({{1, "x"}}), {}, {}, protects, protects_column);
  EXPECT_TRUE(catalogs.find("other").snapshot->find(sql::ObjectName{"public", "users"})->protected_columns.empty());
}

}  // namespace
}  // namespace pgwarden::proxy
