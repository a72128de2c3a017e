// RelationCatalogs (src/proxy/relations.cpp): the relation snapshot per database and when it is
// read again.
#include "proxy/relations.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pgwarden::proxy
