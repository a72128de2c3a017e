// The db door's libpq connection (src/db/connection.cpp): a failure names what was tried and why;
// a statement PostgreSQL refuses comes back as an error value with its SQLSTATE.
#include "db/connection.hpp"

#include <gtest/gtest.h>

#include "support/pg_cluster.hpp"

using namespace pgwarden;

TEST(Connection, AFailureNamesHostPortDatabaseUserAndWhy) {
  const int port = test::free_port();
  const auto c = db::Connection::open("host=127.0.0.1 port=" + std::to_string(port) +
                                      " dbname=shop user=deploy connect_timeout=5");
  ASSERT_FALSE(c);
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("cannot connect to PostgreSQL (host 127.0.0.1, port " + std::to_string(port) +
                   ", database shop, user deploy): "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("Connection refused"), std::string::npos) << m;
  EXPECT_FALSE(db::Connection::open("port=not-a-port"));
}

TEST(Connection, AStatementTheServerRefusesIsAnErrorWithItsSqlstate) {
  std::string why;
  auto* cluster = test::PgCluster::shared(&why);
  if (cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
  auto c = db::Connection::open(cluster->conninfo());
  ASSERT_TRUE(c) << c.error().message;
  auto rows = c->query("SELECT $1::int + 1 AS n, NULL::text AS nothing", {"41"});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->at(0, "n"), "42");
  EXPECT_TRUE(rows->is_null(0, "nothing"));
  const auto failed = c->query("SELECT * FROM no_such_table");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().key, "42P01");
  EXPECT_EQ(failed.error().message, "42P01: relation \"no_such_table\" does not exist");
  EXPECT_TRUE(c->execute("SELECT 1; SELECT 2"));
}
