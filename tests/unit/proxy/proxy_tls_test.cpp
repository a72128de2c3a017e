// TLS on both sides of the proxy, against a PostgreSQL 15 that has TLS on: clients that require
// TLS get it from the proxy (with the certificate of the config), SCRAM is relayed unchanged
// (channel binding included), and the proxy's own connection to the server is encrypted and,
// with verify-full, checked against the CA and the host name.
#include <libpq-fe.h>

#include <fstream>

#include <gtest/gtest.h>

#include "proxy/log.hpp"
#include "support/proxy_fixture.hpp"

namespace pgwarden::test {
namespace {

constexpr std::string_view k_policy = R"(
[[tables]]
name = "ledger_*"
append_only = true
)";

class ProxyTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    s_cluster = PgCluster::start(&why, PgClusterOptions{true, {}});
    if (!s_cluster) {
      s_why = why;
      return;
    }
    s_cluster->execute(k_demo_schema);
  }
  static void TearDownTestSuite() { s_cluster.reset(); }

  void SetUp() override {
    if (!s_cluster) {
      if (!postgres15_installed()) GTEST_SKIP() << "PostgreSQL 15 is not available: " << s_why;
      FAIL() << "PostgreSQL 15 is installed but a TLS cluster did not start: " << s_why;
    }
    char tmpl[] = "/tmp/pgwarden-tls-test-XXXXXX";
    m_dir = mkdtemp(tmpl);
    std::ofstream(m_dir / "pgwarden.toml") << k_policy;
  }
  void TearDown() override {
    if (m_proxy) {
      m_proxy->stop();
      m_proxy->wait();
    }
    std::filesystem::remove_all(m_dir);
  }

  // A proxy in front of the TLS cluster; its certificate for clients is the cluster's own.
  void start(proxy::UpstreamTls upstream, std::string server_name = "localhost", bool client_tls = true) {
    proxy::ProxyConfig c;
    c.listen = {{"127.0.0.1", 0}};
    c.upstream = {"127.0.0.1", static_cast<std::uint16_t>(s_cluster->port())};
    c.policy = (m_dir / "pgwarden.toml").string();
    c.threads = 1;
    c.upstream_tls = upstream;
    c.upstream_ca = s_cluster->dir() + "/server.crt";
    c.upstream_server_name = std::move(server_name);
    if (client_tls) {
      c.tls_cert = s_cluster->dir() + "/server.crt";
      c.tls_key = s_cluster->dir() + "/server.key";
    }
    proxy::log::set_level(proxy::log::Level::error);
    auto p = proxy::Proxy::create(c);
    ASSERT_TRUE(p) << p.error().to_string();
    m_proxy = std::move(*p);
    ASSERT_TRUE(m_proxy->start());
  }
  [[nodiscard]] std::string conninfo(std::string_view extra) const {
    return "host=127.0.0.1 port=" + std::to_string(m_proxy->endpoints().at(0).port()) +
           " dbname=postgres user=postgres connect_timeout=10 " + std::string(extra);
  }

  static std::unique_ptr<PgCluster> s_cluster;
  static std::string s_why;
  std::filesystem::path m_dir;
  std::unique_ptr<proxy::Proxy> m_proxy;
};

std::unique_ptr<PgCluster> ProxyTls::s_cluster;
std::string ProxyTls::s_why;

TEST_F(ProxyTls, AClientThatRequiresTlsGetsItAndIsJudgedAsAnyOther) {
  start(proxy::UpstreamTls::require);
  PgConn c(PQconnectdb(conninfo("sslmode=require").c_str()));
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  EXPECT_EQ(exec(c.get(), "TRUNCATE ledger_entries").sqlstate, "42501");
  EXPECT_EQ(exec(c.get(), "SELECT count(*) FROM ledger_entries").value(), "2");
  // The proxy's own connection to the server is encrypted too.
  EXPECT_EQ(exec(c.get(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").value(), "t");
}

TEST_F(ProxyTls, ScramThroughTlsOnBothSidesBindsToTheCertificateTheProxyPresents) {
  // The proxy presents the server's own certificate here, so channel binding (which binds to the
  // certificate the client sees) holds end to end, even when the client requires it.
  start(proxy::UpstreamTls::require);
  for (const char* binding : {"channel_binding=prefer", "channel_binding=require", "channel_binding=disable"}) {
    PgConn c(PQconnectdb(conninfo(std::string("sslmode=require user=scramuser password=scrampass ") + binding).c_str()));
    ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << binding << ": " << PQerrorMessage(c.get());
    EXPECT_EQ(exec(c.get(), "SELECT current_user").value(), "scramuser");
  }
  PgConn wrong(PQconnectdb(conninfo("sslmode=require user=scramuser password=nope").c_str()));
  EXPECT_EQ(PQstatus(wrong.get()), CONNECTION_BAD);
}

TEST_F(ProxyTls, WithoutACertificateTheProxyDeclinesTlsAndRequiringClientsGiveUp) {
  start(proxy::UpstreamTls::prefer, "localhost", false);
  PgConn require(PQconnectdb(conninfo("sslmode=require").c_str()));
  EXPECT_EQ(PQstatus(require.get()), CONNECTION_BAD);
  PgConn plain(PQconnectdb(conninfo("sslmode=prefer").c_str()));
  ASSERT_EQ(PQstatus(plain.get()), CONNECTION_OK) << PQerrorMessage(plain.get());
  EXPECT_EQ(PQsslInUse(plain.get()), 0);
}

TEST_F(ProxyTls, VerifyFullChecksTheServersCertificateAndName) {
  start(proxy::UpstreamTls::verify_full, "localhost");
  PgConn good(PQconnectdb(conninfo("sslmode=disable").c_str()));
  ASSERT_EQ(PQstatus(good.get()), CONNECTION_OK) << PQerrorMessage(good.get());
  EXPECT_EQ(exec(good.get(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").value(), "t");
  TearDown();
  SetUp();
  start(proxy::UpstreamTls::verify_full, "db.example.com");  // not the certificate's name
  PgConn bad(PQconnectdb(conninfo("sslmode=disable").c_str()));
  EXPECT_EQ(PQstatus(bad.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(bad.get())).find("the database server is unavailable"), std::string::npos)
      << PQerrorMessage(bad.get());
}

}  // namespace
}  // namespace pgwarden::test
