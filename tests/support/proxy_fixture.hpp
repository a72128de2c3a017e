// A pgwarden proxy in front of the shared throwaway PostgreSQL 15, for integration tests: the
// proxy runs in the test process (so sanitizers see it), clients connect with libpq.
#pragma once

#include <libpq-fe.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "proxy/proxy.hpp"
#include "support/pg_cluster.hpp"

namespace pgwarden::test {

// What a statement sent through libpq came back with.
struct PqResult {
  ExecStatusType status = PGRES_FATAL_ERROR;
  std::string sqlstate;
  std::string message;
  std::string detail;
  std::string hint;
  std::string position;
  std::string tag;
  std::vector<std::vector<std::string>> rows;
  [[nodiscard]] bool ok() const { return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK; }
  [[nodiscard]] std::string value() const { return rows.empty() || rows[0].empty() ? "" : rows[0][0]; }
};
PqResult read_result(PGresult* r);  // takes ownership
PqResult exec(PGconn* conn, std::string_view sql);

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

// The demo schema every proxy test starts from (a ledger, users, sessions, a reference table).
inline constexpr std::string_view k_demo_schema = R"(
CREATE TABLE ledger_entries (id bigserial PRIMARY KEY, account_id int NOT NULL, amount numeric NOT NULL,
                             created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE users (id serial PRIMARY KEY, email text, status text, deleted_at timestamptz, updated_at timestamptz);
CREATE TABLE sessions (id serial PRIMARY KEY, user_id int);
CREATE TABLE currencies (code text PRIMARY KEY, rate numeric, updated_at timestamptz);
INSERT INTO ledger_entries (account_id, amount) VALUES (1, 100), (2, 50);
INSERT INTO users (email, status) VALUES ('a@example.com', 'active'), ('b@example.com', 'active');
INSERT INTO sessions (user_id) VALUES (1), (2);
INSERT INTO currencies VALUES ('EUR', 1.0, now());
)";

// The policy the proxy tests judge by: an append-only ledger, soft-deleted users, sessions
// that may be purged, DELETE needing approval, and an observer profile in monitor mode.
inline constexpr std::string_view k_demo_policy = R"(
[policy]
name = "Ledger Immutability Policy"
document = "docs/IMMUTABILITY.md"

[actions]
delete = "approve"
delete_all = "deny"

[[tables]]
name = "ledger_*"
append_only = true
hint = "Correct errors with a reversal entry."

[[tables]]
name = "users"
soft_delete = "deleted_at"

[[tables]]
name = "sessions"
actions = { delete = "allow", delete_all = "allow", truncate = "allow" }

[[profiles]]
name = "observer"
match = { user = "postgres", application_name = "observer" }
mode = "monitor"
)";

class ProxyFixture : public ::testing::Test {
 protected:
  // A database of its own (named after the test), the demo schema, a policy file with `policy`
  // text, and a proxy in front; the test is skipped, saying why, when PostgreSQL 15 is absent.
  void start(std::string_view policy, proxy::ProxyConfig config = {});
  // Only the proxy, with `policy`, in front of the server at `upstream_port` (start() uses it
  // for the shared cluster; a test may give another server, or none listening).
  void start_proxy(std::string_view policy, proxy::ProxyConfig config, int upstream_port);
  void TearDown() override;

  [[nodiscard]] PgConn connect(std::string_view extra = "") const;
  [[nodiscard]] std::string conninfo(std::string_view extra = "") const;
  // What the server itself says, bypassing the proxy.
  [[nodiscard]] std::string direct_scalar(std::string_view sql) const;
  [[nodiscard]] std::string record() const;

  PgCluster* m_cluster = nullptr;
  std::string m_database;
  std::filesystem::path m_dir;
  std::unique_ptr<proxy::Proxy> m_proxy;
  int m_port = 0;
};

}  // namespace pgwarden::test
