// The proxy when things go wrong: the server dies under a running query, clients vanish in the
// middle of a batch or of a large result, clients send malformed, oversize or premature bytes,
// a thousand clients connect at once, and clients never finish their startup. Each case asserts
// what a client or an operator would see (the error, its SQLSTATE, the connection closing, the
// server's backends going away, the metrics) and that the proxy keeps serving everybody else.
//
// Nothing here may hang: raw sockets read with SO_RCVTIMEO, libpq is driven without blocking
// against a deadline, and every "eventually" has one. Raw-protocol cases build their bytes by
// hand, independently of the proxy's own encoder, following the PostgreSQL protocol chapter
// (https://www.postgresql.org/docs/15/protocol-message-formats.html).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/log.hpp"
#include "support/proxy_fixture.hpp"
#include "support/raw_client.hpp"
#include "unit/cli/shell.hpp"

namespace pgwarden::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view k_policy = R"(
[policy]
name = "Ledger Immutability Policy"
document = "docs/IMMUTABILITY.md"

[[tables]]
name = "ledger_*"
append_only = true
)";

// The proxy's answer to a protocol violation: one ErrorResponse FATAL 08P01, then the close.
void expect_protocol_violation(RawClient& client, std::string_view what,
                               std::string_view message = {}) {
  SCOPED_TRACE(what);
  const auto started = Clock::now();
  const auto m = client.read_message();
  ASSERT_TRUE(m.has_value()) << (client.timed_out() ? "no answer within 5 s"
                                                    : "closed without an ErrorResponse");
  ASSERT_EQ(m->type, 'E') << "message type byte "
                          << static_cast<int>(static_cast<unsigned char>(m->type));
  EXPECT_EQ(m->field('S'), "FATAL");
  EXPECT_EQ(m->field('V'), "FATAL");
  EXPECT_EQ(m->field('C'), "08P01");
  EXPECT_NE(m->field('M').find(message), std::string::npos) << m->field('M');
  EXPECT_TRUE(client.wait_closed()) << "the proxy did not close the connection within 5 s";
  EXPECT_LT(Clock::now() - started, 2s);
}

// Polls `done` every 20 ms until it holds or `limit` has passed.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5000ms) {
  const auto until = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Waits for libpq's answer to a query sent with PQsendQuery, never longer than `limit`.
// False when it did not come in time.
bool await_result(PGconn* c, std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (PQisBusy(c) != 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left <= 0ms) return false;
    pollfd p{PQsocket(c), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    if (PQconsumeInput(c) == 0) return true;  // the connection broke: PQgetResult says why
  }
  return true;
}

class ProxyFaults : public ProxyFixture {
 protected:
  // A proxy in front of a server other than the shared one (TearDown stops it).
  void start_in_front_of(int upstream_port, proxy::ProxyConfig config = {}) {
    start_proxy(k_policy, std::move(config), upstream_port);
  }

  // Server backends of this test's database other than the one asking.
  [[nodiscard]] int backends(std::string_view application = {}) const {
    std::string sql =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
        "pg_backend_pid()";
    if (!application.empty()) sql += " AND application_name = '" + std::string(application) + "'";
    return std::stoi(direct_scalar(sql));
  }
  // The proxy's connections_active gauge comes back to `open` (it is decremented when a
  // connection object is destroyed, just after its sockets close) within `limit`.
  void expect_active_connections(std::int64_t open,
                                 std::chrono::milliseconds limit = 5000ms) const {
    EXPECT_TRUE(eventually([&] { return m_proxy->metrics().connections_active() == open; }, limit))
        << "connections_active stays at " << m_proxy->metrics().connections_active() << ", " << open
        << " are open";
  }
  void expect_proxy_serves() const {
    auto c = connect();
    EXPECT_EQ(exec(c.get(), "SELECT 'still serving'").value(), "still serving");
  }
};

// ---- the server dies ---------------------------------------------------------------------------

TEST_F(ProxyFaults, ServerKilledMidQueryFailsTheClientAtOnceAndNewClientsGetAFatalError) {
  std::string why;
  // A cluster of its own: killing the shared one would break every other test.
  auto cluster = PgCluster::start(&why);
  if (!cluster) {
    if (postgres15_installed()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  proxy::ProxyConfig config;
  config.connect_timeout = 2000ms;
  start_in_front_of(cluster->port(), config);
  if (HasFatalFailure()) return;
  const std::string through_proxy =
      "host=127.0.0.1 port=" + std::to_string(m_port) +
      " dbname=postgres user=postgres connect_timeout=10 sslmode=disable";

  PgConn c(PQconnectdb(through_proxy.c_str()));
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  ASSERT_EQ(PQsendQuery(c.get(), "SELECT pg_sleep(30)"), 1);
  ASSERT_TRUE(eventually([&] {
    return cluster->scalar(
               "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND "
               "state = 'active'") == "1";
  })) << "the query never started on the server";

  cluster->kill_server();
  const auto killed = Clock::now();
  ASSERT_TRUE(await_result(c.get(), 10s)) << "the client still waits 10 s after the server died";
  EXPECT_LT(Clock::now() - killed, 3s);
  const PqResult r = read_result(PQgetResult(c.get()));
  EXPECT_EQ(r.status, PGRES_FATAL_ERROR);
  EXPECT_EQ(r.sqlstate, "08006");
  EXPECT_NE(r.message.find("pgwarden: the database server is unavailable"), std::string::npos)
      << r.message;
  while (PGresult* rest = PQgetResult(c.get())) PQclear(rest);
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD);

  // A new client is told the server is unavailable, and quickly, not left hanging.
  const auto attempt = Clock::now();
  PgConn refused(PQconnectdb(through_proxy.c_str()));
  EXPECT_EQ(PQstatus(refused.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(refused.get()))
                .find("pgwarden: the database server is unavailable"),
            std::string::npos)
      << PQerrorMessage(refused.get());
  EXPECT_LT(Clock::now() - attempt, 3s);
  EXPECT_EQ(m_proxy->metrics().refused_connections(proxy::RefusedReason::upstream_unavailable), 1U);
  refused.reset();
  c.reset();
  expect_active_connections(0);

  // Once the server is back, the same proxy serves again.
  const pgwarden::test::Run restarted =
      shell("scripts/pg-throwaway start '" + cluster->dir() + "'");
  ASSERT_EQ(restarted.exit_code, 0) << restarted.out;
  PgConn again(PQconnectdb(through_proxy.c_str()));
  ASSERT_EQ(PQstatus(again.get()), CONNECTION_OK) << PQerrorMessage(again.get());
  EXPECT_EQ(exec(again.get(), "SELECT 'back'").value(), "back");
}

// ---- clients vanish ----------------------------------------------------------------------------

TEST_F(ProxyFaults, ClientResetMidBatchLeavesNoBackendAndNothingCommitted) {
  start(k_policy);
  if (IsSkipped() || HasFatalFailure()) return;
  {
    RawClient client(m_port);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.start_session(m_database, "vanishing-batch"));
    ASSERT_EQ(backends("vanishing-batch"), 1);
    // Parse/Bind/Execute without Sync: the server runs the INSERTs in an implicit transaction
    // that only a Sync would commit.
    std::string batch;
    for (int user_id : {901, 902, 903}) {
      batch += parse("INSERT INTO sessions (user_id) VALUES (" + std::to_string(user_id) + ")") +
               bind() + execute();
    }
    ASSERT_TRUE(client.send(batch));
    ASSERT_TRUE(eventually([&] {
      return direct_scalar(
                 "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vanishing-batch' "
                 "AND backend_xid IS NOT NULL AND query LIKE '%VALUES (903)'") == "1";
    })) << "the batch never ran on the server";
    client.reset();
  }
  EXPECT_TRUE(eventually([&] { return backends("vanishing-batch") == 0; }))
      << "the server backend of the vanished client is still there 5 s later";
  EXPECT_EQ(direct_scalar("SELECT count(*) FROM sessions WHERE user_id IN (901, 902, 903)"), "0");
  expect_active_connections(0);
  expect_proxy_serves();
}

TEST_F(ProxyFaults, ClientClosingDuringALargeResultLeavesNoBackend) {
  start(k_policy);
  if (IsSkipped() || HasFatalFailure()) return;
  {
    RawClient client(m_port);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.start_session(m_database, "vanishing-reader"));
    ASSERT_TRUE(client.send(query("SELECT generate_series(1, 2000000)")));
    ASSERT_TRUE(client.read_bytes(64 * 1024)) << "no rows came";
    // Rows are still coming: the server is writing, blocked on the proxy, blocked on us.
    EXPECT_EQ(direct_scalar(
                  "SELECT state FROM pg_stat_activity WHERE application_name = 'vanishing-reader'"),
              "active");
    client.close();
  }
  EXPECT_TRUE(eventually([&] { return backends("vanishing-reader") == 0; }))
      << "the server backend of the vanished client is still there 5 s later";
  expect_active_connections(0);
  expect_proxy_serves();
}

// ---- malformed, oversize and premature bytes ---------------------------------------------------

TEST_F(ProxyFaults, MalformedAndOversizeMessagesGetFatal08P01AndTheProxyServesOthers) {
  proxy::ProxyConfig config;
  config.max_message_bytes = 64 * 1024;
  start(k_policy, config);
  if (IsSkipped() || HasFatalFailure()) return;

  struct Case {
    std::string what;
    bool after_startup;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"a message whose length field is 3", true, "Q" + u32(3)},
      // Only the header: the proxy must not wait for a megabyte it will never accept.
      {"a Query header announcing 1 MiB over a 64 KiB limit", true, "Q" + u32(1 << 20)},
      {"an unknown message type", true, typed('y', "")},
      {"a Query without its terminating NUL", true, typed('Q', "SELECT 1")},
      {"a startup packet of absurd length", false, u32(0x7fffffff) + u32(196608)},
      {"garbage instead of a startup packet", false, "GET / HTTP/1.1\r\nHost: pgwarden\r\n\r\n"},
  };
  for (const auto& c : cases) {
    RawClient client(m_port);
    ASSERT_TRUE(client.connected());
    if (c.after_startup) {
      ASSERT_TRUE(client.start_session(m_database, "malformed")) << c.what;
    }
    ASSERT_TRUE(client.send(c.bytes)) << c.what;
    expect_protocol_violation(client, c.what, "pgwarden: protocol violation");
    SCOPED_TRACE(c.what);
    // The proxy let go of the connection, and of its server session. (Connections refused during
    // the startup are checked by ProxyFaultsRefusedAtStartup.)
    if (c.after_startup) expect_active_connections(0);
    EXPECT_TRUE(eventually([&] { return backends("malformed") == 0; }));
  }
  expect_proxy_serves();
}

TEST_F(ProxyFaults, ProtocolViolationsAtStartupAreCountedAsRefusedConnections) {
  start(k_policy);
  if (IsSkipped() || HasFatalFailure()) return;
  for (const std::string& bytes :
       {u32(0x7fffffff) + u32(196608), std::string("GET / HTTP/1.1\r\n\r\n")}) {
    RawClient client(m_port);
    ASSERT_TRUE(client.send(bytes));
    expect_protocol_violation(client, "startup garbage");
  }
  // metrics.hpp: RefusedReason::protocol, "the client broke the wire protocol", is what an
  // operator graphs as pgwarden_connections_refused_total{reason="protocol"}.
  EXPECT_EQ(m_proxy->metrics().refused_connections(proxy::RefusedReason::protocol), 2U);
}

// Connections the proxy refuses and closes before their startup is complete must be released at
// once. The bytes of each client are already there when the proxy accepts, so the refusal can be
// decided, written and the connection closed before the connection's startup timer is armed; how
// often that ordering happens is a matter of thread scheduling (1 connection in 50 to 1 in 500
// here), hence 4 x 400 clients at once. Checked: the connections_active gauge comes back to 0, and
// Proxy::stop() + wait() does not wait for anything of them.
class ProxyFaultsRefusedAtStartup : public ProxyFaults {
 protected:
  void refuse_many(const std::string& bytes, std::string_view sqlstate) {
    constexpr int k_threads = 4;
    constexpr int k_per_thread = 400;
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < k_per_thread; ++i) {
          RawClient client(m_port);
          if (!client.send(bytes)) continue;
          const auto m = client.read_message();
          if (m && m->type == 'E' && m->field('C') == sqlstate && client.wait_closed()) ++refused;
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(refused.load(), k_threads * k_per_thread)
        << "clients that got FATAL " << sqlstate << " and the close";
    // Released at once, not when a startup timer armed after the close fires 15 s later.
    EXPECT_TRUE(eventually([&] { return m_proxy->metrics().connections_active() == 0; }, 2000ms))
        << "connections_active stays at " << m_proxy->metrics().connections_active() << " after "
        << k_threads * k_per_thread << " connections the proxy refused and closed";
    const auto stopping = Clock::now();
    m_proxy->stop();
    m_proxy->wait();
    EXPECT_LT(Clock::now() - stopping, 2s) << "Proxy::stop() + wait()";
    m_proxy.reset();
  }
};

TEST_F(ProxyFaultsRefusedAtStartup, ForAProtocolViolationAreReleasedAtOnce) {
  start(k_policy);  // startup_timeout: the default 15 s
  if (IsSkipped() || HasFatalFailure()) return;
  refuse_many(u32(0x7fffffff) + u32(196608), "08P01");
}

TEST_F(ProxyFaultsRefusedAtStartup, ForAnUnavailableServerAreReleasedAtOnce) {
  start_in_front_of(free_port());  // nothing listens there
  if (HasFatalFailure()) return;
  refuse_many(startup_packet("postgres", "no-server"), "08006");
}

// A self-signed certificate made with the openssl command line; removed with the object.
struct Certificate {
  fs::path dir;
  std::string missing;
  Certificate() {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
      missing = "the openssl command is not installed (Debian: openssl)";
      return;
    }
    char tmpl[] = "/tmp/pgwarden-tls-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    const pgwarden::test::Run made =
        shell("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout '" +
              (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "'");
    if (made.exit_code != 0) missing = "openssl could not make a certificate: " + made.out;
  }
  ~Certificate() {
    if (!dir.empty()) fs::remove_all(dir);
  }
};

TEST_F(ProxyFaults, BytesAfterSslRequestBeforeTheHandshakeAreRefused) {
  const Certificate cert;
  if (!cert.missing.empty()) GTEST_SKIP() << cert.missing;
  proxy::ProxyConfig config;
  config.tls_cert = (cert.dir / "cert.pem").string();
  config.tls_key = (cert.dir / "key.pem").string();
  start(k_policy, config);
  if (IsSkipped() || HasFatalFailure()) return;

  // SSLRequest and a plaintext StartupMessage in one packet (CVE-2021-23214's buffer stuffing):
  // no 'S', an error, the close.
  RawClient client(m_port);
  ASSERT_TRUE(client.send(k_ssl_request + startup_packet(m_database, "stuffed")));
  expect_protocol_violation(client, "SSLRequest + StartupMessage",
                            "data received before the TLS handshake");

  // An honest TLS client gets in.
  auto tls = connect("sslmode=require");
  ASSERT_EQ(PQstatus(tls.get()), CONNECTION_OK);
  EXPECT_EQ(PQsslInUse(tls.get()), 1);
  EXPECT_EQ(exec(tls.get(), "SELECT 'over tls'").value(), "over tls");
}

TEST_F(ProxyFaults, SslRequestWithoutTlsConfiguredGetsNAndTheStartupGoesOn) {
  start(k_policy);
  if (IsSkipped() || HasFatalFailure()) return;
  RawClient client(m_port);
  ASSERT_TRUE(client.send(k_ssl_request));
  const auto answer = client.read_byte();
  ASSERT_TRUE(answer.has_value()) << "no answer to SSLRequest";
  EXPECT_EQ(*answer, 'N');
  ASSERT_TRUE(client.start_session(m_database, "plain"));
  ASSERT_TRUE(client.send(query("SELECT 1")));
  std::string types;
  while (types.empty() || types.back() != 'Z') {
    const auto m = client.read_message();
    ASSERT_TRUE(m.has_value());
    types += m->type;
  }
  EXPECT_EQ(types, "TDCZ");
}

// ---- many clients ------------------------------------------------------------------------------

TEST_F(ProxyFaults, AThousandConcurrentClientsAllConnectAndQuery) {
  constexpr std::size_t k_clients = 1000;
  // Each client costs this process three descriptors: its own socket and the proxy's two.
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 8192) {
    if (files.rlim_max < 4 * k_clients)
      GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << files.rlim_max << " is below "
                   << 4 * k_clients;
    files.rlim_cur = std::min<rlim_t>(8192, files.rlim_max);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);
  }
  start(k_policy);
  if (IsSkipped() || HasFatalFailure()) return;
  const auto deadline = Clock::now() + 90s;  // a guard against a hang, not a speed target

  // Connect all at once, without blocking: PQconnectStart, then PQconnectPoll whenever the socket
  // is ready for what libpq asked.
  std::vector<PgConn> conns;
  std::vector<PostgresPollingStatusType> polling(k_clients, PGRES_POLLING_WRITING);
  for (std::size_t i = 0; i < k_clients; ++i) {
    conns.emplace_back(PQconnectStart(conninfo().c_str()));
    ASSERT_NE(PQstatus(conns.back().get()), CONNECTION_BAD) << PQerrorMessage(conns.back().get());
  }
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < k_clients; ++i) {
      if (polling[i] == PGRES_POLLING_OK || polling[i] == PGRES_POLLING_FAILED) continue;
      fds.push_back({PQsocket(conns[i].get()),
                     static_cast<short>(polling[i] == PGRES_POLLING_READING ? POLLIN : POLLOUT),
                     0});
      which.push_back(i);
    }
    if (fds.empty()) break;
    ASSERT_LT(Clock::now(), deadline) << fds.size() << " clients still connecting after 90 s";
    ASSERT_GE(::poll(fds.data(), fds.size(), 1000), 0);
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents != 0) polling[which[k]] = PQconnectPoll(conns[which[k]].get());
    }
  }
  std::size_t connected = 0;
  std::string first_failure;
  for (std::size_t i = 0; i < k_clients; ++i) {
    if (PQstatus(conns[i].get()) == CONNECTION_OK) {
      ++connected;
    } else if (first_failure.empty()) {
      first_failure = PQerrorMessage(conns[i].get());
    }
  }
  ASSERT_EQ(connected, k_clients) << first_failure;

  // Every client asks at once; every one gets its answer.
  for (auto& c : conns) ASSERT_EQ(PQsendQuery(c.get(), "SELECT 1"), 1) << PQerrorMessage(c.get());
  std::vector<std::string> answers(k_clients);
  std::vector<bool> done(k_clients, false);
  std::size_t remaining = k_clients;
  while (remaining > 0) {
    ASSERT_LT(Clock::now(), deadline)
        << remaining << " clients still waiting for SELECT 1 after 90 s";
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < k_clients; ++i) {
      if (done[i]) continue;
      fds.push_back({PQsocket(conns[i].get()), POLLIN, 0});
      which.push_back(i);
    }
    ASSERT_GE(::poll(fds.data(), fds.size(), 1000), 0);
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      PGconn* c = conns[which[k]].get();
      if (PQconsumeInput(c) == 0 || PQisBusy(c) == 0) {
        while (PGresult* r = PQgetResult(c)) {
          const PqResult result = read_result(r);
          answers[which[k]] += result.ok() ? result.value() : "error: " + result.message;
        }
        done[which[k]] = true;
        --remaining;
      }
    }
  }
  std::size_t answered = 0;
  for (const auto& a : answers) answered += a == "1" ? 1 : 0;
  EXPECT_EQ(answered, k_clients);
  EXPECT_GE(m_proxy->metrics().connections_total(), k_clients);
  EXPECT_EQ(m_proxy->metrics().connections_active(), static_cast<std::int64_t>(k_clients));

  // A thousand server backends exiting at once take nearly all of a small machine's CPU (a
  // profile of this test puts 94 % of its samples in postgres, most in their exit), so the
  // proxy's side of the close takes seconds there: 3.6 to 5 s on two cores with nothing else
  // running. A connection the proxy leaked would stay for good; 60 s tells the two apart.
  conns.clear();
  expect_active_connections(0, 60000ms);
  // Their backends go too, which later tests sharing the cluster count on.
  EXPECT_TRUE(eventually([&] { return backends() == 0; }, 60000ms));
}

TEST_F(ProxyFaults, ClientsOverTheConnectionLimitGetFatal53300AndTheOthersStayUp) {
  proxy::ProxyConfig config;
  config.max_connections = 2;
  start(k_policy, config);
  if (IsSkipped() || HasFatalFailure()) return;
  auto first = connect();
  auto second = connect();
  for (int attempt = 0; attempt < 20; ++attempt) {
    PgConn over(PQconnectdb(conninfo().c_str()));
    ASSERT_EQ(PQstatus(over.get()), CONNECTION_BAD);
    ASSERT_NE(
        std::string(PQerrorMessage(over.get())).find("too many client connections to the proxy"),
        std::string::npos)
        << "attempt " << attempt << ": " << PQerrorMessage(over.get());
  }
  EXPECT_EQ(m_proxy->metrics().refused_connections(proxy::RefusedReason::limit), 20U);
  EXPECT_EQ(exec(second.get(), "SELECT 'unaffected'").value(), "unaffected");
  first.reset();
  expect_active_connections(1);
  expect_proxy_serves();
}

// ---- clients that never finish their startup ---------------------------------------------------

TEST_F(ProxyFaults, ClientsThatNeverFinishTheirStartupAreClosedAfterTheStartupTimeout) {
  proxy::ProxyConfig config;
  config.startup_timeout = 500ms;
  start(k_policy, config);
  if (IsSkipped() || HasFatalFailure()) return;
  // A session that did finish its startup must outlive the timer.
  auto ready = connect();

  RawClient silent(m_port);
  RawClient halfway(m_port);
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(halfway.connected());
  const auto started = Clock::now();
  ASSERT_TRUE(halfway.send(startup_packet(m_database, "halfway").substr(0, 10)));
  for (RawClient* client : {&silent, &halfway}) {
    // Either a FATAL 08P01 first or just the close; never silence past the timeout.
    const auto m = client->read_message();
    if (m) {
      EXPECT_EQ(m->type, 'E');
      EXPECT_EQ(m->field('S'), "FATAL");
      EXPECT_EQ(m->field('C'), "08P01");
      EXPECT_NE(m->field('M').find("did not complete its startup in time"), std::string::npos)
          << m->field('M');
      EXPECT_TRUE(client->wait_closed());
    } else {
      EXPECT_TRUE(client->closed()) << "neither an error nor a close within 5 s";
    }
  }
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_EQ(m_proxy->metrics().refused_connections(proxy::RefusedReason::startup_timeout), 2U);
  expect_active_connections(1);
  EXPECT_EQ(exec(ready.get(), "SELECT 'outlived the startup timeout'").value(),
            "outlived the startup timeout");
}

// The timer is the client's: a server slow to take the connection (a thousand backends forking
// at once, a loaded host) is no reason to close a client that has said all it had to say.
TEST_F(ProxyFaults, AServerSlowToAuthenticateIsNotTheClientsTimeout) {
  proxy::ProxyConfig config;
  config.startup_timeout = 500ms;
  start(k_policy, config);
  if (IsSkipped() || HasFatalFailure()) return;
  // pre_auth_delay: each new backend sleeps this long before it authenticates.
  m_cluster->execute("ALTER SYSTEM SET pre_auth_delay = 2");
  m_cluster->execute("SELECT pg_reload_conf()");
  const std::unique_ptr<void, std::function<void(void*)>> reset(this, [this](void*) {
    m_cluster->execute("ALTER SYSTEM RESET pre_auth_delay");
    m_cluster->execute("SELECT pg_reload_conf()");
  });
  std::this_thread::sleep_for(200ms);  // the postmaster reads its configuration again
  const auto started = Clock::now();
  auto slow = connect();
  ASSERT_EQ(PQstatus(slow.get()), CONNECTION_OK) << PQerrorMessage(slow.get());
  EXPECT_GE(Clock::now() - started, 1500ms) << "the server did not delay its authentication";
  EXPECT_EQ(exec(slow.get(), "SELECT 'served'").value(), "served");
  EXPECT_EQ(m_proxy->metrics().refused_connections(proxy::RefusedReason::startup_timeout), 0U);
}

}  // namespace
}  // namespace pgwarden::test
