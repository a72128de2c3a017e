// The throwaway cluster every integration test stands on: if it is not the server the tests
// think it is (PostgreSQL 15, md5 and SCRAM users, SSL on demand, a crash that really kills),
// their results mean nothing. Skips only when PostgreSQL 15 is not installed; a cluster that
// fails to start on a machine that has it is a failure.
#include "support/pg_cluster.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

using pgwarden::test::free_port;
using pgwarden::test::PgCluster;
using pgwarden::test::PgClusterOptions;
using pgwarden::test::postgres15_installed;

#define SKIP_OR_FAIL_WITHOUT(cluster, why)                                           \
  if ((cluster) == nullptr) {                                                        \
    if (!postgres15_installed()) GTEST_SKIP() << (why);                              \
    FAIL() << "PostgreSQL 15 is installed but the cluster did not start: " << (why); \
  }

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using Connection = std::unique_ptr<PGconn, ConnCloser>;

Connection connect(const std::string& conninfo) {
  return Connection(PQconnectdb(conninfo.c_str()));
}

// A process that exited but was never reaped (PID 1 in some containers) counts as dead.
bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto after_name = line.rfind(") ");
  return after_name != std::string::npos && line.at(after_name + 2) != 'Z';
}

TEST(PgCluster, SharedClusterIsPostgreSQL15AndStartsOnce) {
  std::string why;
  PgCluster* cluster = PgCluster::shared(&why);
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  EXPECT_EQ(PgCluster::shared(&why), cluster);
  EXPECT_GT(cluster->port(), 0);
  EXPECT_NE(cluster->scalar("SELECT version()").find("PostgreSQL 15"), std::string::npos);
  EXPECT_EQ(cluster->scalar("SHOW max_connections"), "1100");
}

TEST(PgCluster, Md5userAndScramuserLogInWithTheirPasswordsOverTcp) {
  std::string why;
  PgCluster* cluster = PgCluster::shared(&why);
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  for (const auto& [user, password] :
       {std::pair{"md5user", "md5pass"}, std::pair{"scramuser", "scrampass"}}) {
    const Connection conn = connect(cluster->conninfo("postgres", user) + " password=" + password);
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << user << ": " << PQerrorMessage(conn.get());
    EXPECT_TRUE(PQconnectionUsedPassword(conn.get())) << user;
  }
  // The server really asks for md5 from one and SCRAM from the other.
  EXPECT_EQ(cluster->scalar("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'md5user'"),
            "md5");
  EXPECT_EQ(
      cluster->scalar("SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'scramuser'"),
      "SCRAM-SHA-256$");
}

TEST(PgCluster, AWrongPasswordIsRefused) {
  std::string why;
  PgCluster* cluster = PgCluster::shared(&why);
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  for (const char* user : {"md5user", "scramuser"}) {
    const Connection conn = connect(cluster->conninfo("postgres", user) + " password=wrong");
    EXPECT_NE(PQstatus(conn.get()), CONNECTION_OK) << user;
    EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("password authentication failed"),
              std::string::npos)
        << PQerrorMessage(conn.get());
  }
}

TEST(PgCluster, QueryReturnsTextRowsAndThrowsTheServerMessage) {
  std::string why;
  PgCluster* cluster = PgCluster::shared(&why);
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  using Rows = std::vector<std::vector<std::string>>;
  EXPECT_EQ(cluster->query("SELECT 1, NULL::text UNION ALL SELECT 2, 'x' ORDER BY 1"),
            (Rows{{"1", "NULL"}, {"2", "x"}}));
  EXPECT_TRUE(cluster->query("SELECT 1 WHERE false").empty());
  try {
    cluster->execute("SELECT * FROM no_such_table");
    ADD_FAILURE() << "a query on a missing table did not throw";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("relation \"no_such_table\" does not exist"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW(cluster->scalar("SELECT 1 WHERE false"), std::runtime_error);
}

TEST(PgCluster, CreateDatabaseStartsEveryTimeFromAnEmptyDatabase) {
  std::string why;
  PgCluster* cluster = PgCluster::shared(&why);
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  const char* database = "pg_cluster_test";
  cluster->create_database(database);
  cluster->execute("CREATE TABLE leftover (id int)", database);
  const Connection open_session = connect(cluster->conninfo(database));  // FORCE closes it
  ASSERT_EQ(PQstatus(open_session.get()), CONNECTION_OK);
  cluster->create_database(database);
  EXPECT_EQ(
      cluster->scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'leftover'", database),
      "0");
}

TEST(PgCluster, SslClusterAcceptsSslmodeRequire) {
  std::string why;
  PgClusterOptions options;
  options.ssl = true;
  const auto cluster = PgCluster::start(&why, options);
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  const Connection conn = connect(cluster->conninfo() + " sslmode=require");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(PQsslInUse(conn.get()), 1);

  // A cluster started without --ssl refuses it: the option is what turns SSL on.
  PgCluster* plain = PgCluster::shared(&why);
  ASSERT_NE(plain, nullptr) << why;
  const Connection refused = connect(plain->conninfo() + " sslmode=require");
  EXPECT_NE(PQstatus(refused.get()), CONNECTION_OK);
}

TEST(PgCluster, ConfLinesReachTheServerAndItsLogShowsTheStatements) {
  std::string why;
  const auto cluster = PgCluster::start(&why, PgClusterOptions{.conf = {"log_statement = 'all'"}});
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  EXPECT_EQ(cluster->scalar("SHOW log_statement"), "all");
  cluster->execute("SELECT 'pg-cluster-log-marker'");
  EXPECT_NE(cluster->log().find("pg-cluster-log-marker"), std::string::npos) << cluster->log();
}

TEST(PgCluster, KillServerLeavesNoProcessAndRefusesNewConnections) {
  std::string why;
  auto cluster = PgCluster::start(&why);
  SKIP_OR_FAIL_WITHOUT(cluster, why);
  int postmaster = 0;
  std::ifstream(cluster->dir() + "/data/postmaster.pid") >> postmaster;
  ASSERT_TRUE(process_alive(postmaster));
  const Connection session = connect(cluster->conninfo());
  ASSERT_EQ(PQstatus(session.get()), CONNECTION_OK) << PQerrorMessage(session.get());
  const int backend = PQbackendPID(session.get());

  cluster->kill_server();
  EXPECT_FALSE(process_alive(postmaster));
  EXPECT_FALSE(process_alive(backend));
  const Connection after = connect(cluster->conninfo());
  EXPECT_NE(PQstatus(after.get()), CONNECTION_OK);

  const std::string dir = cluster->dir();
  cluster.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(PgCluster, AFailedStartSaysWhy) {
  if (!postgres15_installed()) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  std::string why;
  const auto cluster =
      PgCluster::start(&why, PgClusterOptions{.conf = {"max_connections = banana"}});
  EXPECT_EQ(cluster, nullptr);
  EXPECT_NE(why.find("max_connections"), std::string::npos) << why;
  // The reason names the directory, which is already gone.
  const std::string prefix = "/tmp/pgwarden-test-";
  const auto at = why.find(prefix);
  ASSERT_NE(at, std::string::npos) << why;
  EXPECT_FALSE(std::filesystem::exists(why.substr(at, prefix.size() + 6))) << why;
}

TEST(PgCluster, FreePortCanBeListenedOn) {
  const int port = free_port();
  ASSERT_GT(port, 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(::listen(fd, 1), 0);
  ::close(fd);
}

}  // namespace
