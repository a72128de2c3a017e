// A throwaway PostgreSQL 15 cluster for tests that need a real server (STYLE.md: real parts,
// never mocks). It drives scripts/pg-throwaway, the same script `make run` and the benchmarks
// use, so every caller gets the same server: trust for postgres, md5user/md5pass (md5) and
// scramuser/scrampass (SCRAM-SHA-256) over TCP on 127.0.0.1, durability off, 1100 connections.
// In: options (SSL, extra postgresql.conf lines). Out: a port, libpq helpers to set up and inspect
// the server, its log. Depends on libpq and POSIX only, never on pgwarden's own libraries.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::test {

struct PgClusterOptions {
  bool ssl = false;               // self-signed certificate, ssl = on
  std::vector<std::string> conf;  // extra postgresql.conf lines, "key = value"
};

class PgCluster {
 public:
  // Starts a cluster with scripts/pg-throwaway under a fresh /tmp/pgwarden-test-XXXXXX dir
  // (mode 0755). Returns null and sets *why_not when PostgreSQL 15 is not installed or the start
  // fails; tests then GTEST_SKIP() << *why_not (or fail, see postgres15_installed()).
  static std::unique_ptr<PgCluster> start(std::string* why_not,
                                          const PgClusterOptions& options = {});

  // One cluster shared by the whole test binary, started on first use and stopped at process
  // exit. A failed start is not retried: later calls get the same null and why_not.
  static PgCluster* shared(std::string* why_not);

  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  ~PgCluster();  // pg-throwaway stop: immediate shutdown, directory removed

  int port() const { return m_port; }
  const std::string& dir() const { return m_dir; }

  // "host=127.0.0.1 port=N dbname=... user=... connect_timeout=10"; append " password=..." for
  // md5user and scramuser.
  std::string conninfo(std::string_view database = "postgres",
                       std::string_view user = "postgres") const;

  // Runs SQL as postgres on `database` over TCP. Rows as text, NULL as "NULL". Throws
  // std::runtime_error carrying the server's message on any error.
  std::vector<std::vector<std::string>> query(std::string_view sql,
                                              std::string_view database = "postgres") const;
  void execute(std::string_view sql, std::string_view database = "postgres") const;
  // First column of the first row; throws when there is no row.
  std::string scalar(std::string_view sql, std::string_view database = "postgres") const;

  // Drops `name` if it exists (closing its connections) and creates it afresh: one database per
  // test suite keeps suites that share the cluster from seeing each other's tables.
  void create_database(std::string_view name) const;

  // SIGKILLs the postmaster and all its backends, as a crash would; the directory stays, so the
  // destructor still cleans up.
  void kill_server() const;

  // DIR/postgres.log: what reached the server (add "log_statement = 'all'" to options.conf).
  std::string log() const;

 private:
  PgCluster(std::string dir, int port);

  std::string m_dir;
  int m_port = 0;
  pid_t m_owner_pid = 0;  // a forked child (death test) must not stop its parent's cluster
};

// A TCP port on 127.0.0.1 that nobody listened on a moment ago (bind port 0, read, close).
int free_port();

// True when the PostgreSQL 15 server binaries are installed. A test that wants a cluster may
// fail rather than skip when start() returns null although this is true.
bool postgres15_installed();

}  // namespace pgwarden::test
