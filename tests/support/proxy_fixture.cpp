#include "support/proxy_fixture.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "proxy/log.hpp"

namespace pgwarden::test {

PqResult read_result(PGresult* r) {
  PqResult out;
  if (r == nullptr) return out;
  out.status = PQresultStatus(r);
  const auto field = [&](int code) {
    const char* v = PQresultErrorField(r, code);
    return v == nullptr ? std::string() : std::string(v);
  };
  out.sqlstate = field(PG_DIAG_SQLSTATE);
  out.message = field(PG_DIAG_MESSAGE_PRIMARY);
  out.detail = field(PG_DIAG_MESSAGE_DETAIL);
  out.hint = field(PG_DIAG_MESSAGE_HINT);
  out.position = field(PG_DIAG_STATEMENT_POSITION);
  out.tag = PQcmdStatus(r);
  for (int i = 0; i < PQntuples(r); ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
    out.rows.push_back(std::move(row));
  }
  PQclear(r);
  return out;
}

PqResult exec(PGconn* conn, std::string_view sql) {
  // PQexec keeps only the last result of a multi-statement string; the error, if any, is in it.
  return read_result(PQexec(conn, std::string(sql).c_str()));
}

void ProxyFixture::start(std::string_view policy, proxy::ProxyConfig config) {
  std::string why;
  m_cluster = PgCluster::shared(&why);
  if (m_cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  m_database = "t_" + std::string(info->test_suite_name()) + "_" + info->name();
  for (auto& c : m_database) c = static_cast<char>(std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_');
  m_database = m_database.substr(0, 60);
  m_cluster->execute("DROP DATABASE IF EXISTS " + m_database + " WITH (FORCE)");
  m_cluster->create_database(m_database);
  m_cluster->execute(k_demo_schema, m_database);
  start_proxy(policy, std::move(config), m_cluster->port());
}

void ProxyFixture::start_proxy(std::string_view policy, proxy::ProxyConfig config, int upstream_port) {
  char tmpl[] = "/tmp/pgwarden-proxy-test-XXXXXX";
  m_dir = mkdtemp(tmpl);
  std::ofstream(m_dir / "pgwarden.toml") << policy;
  config.listen = {{"127.0.0.1", 0}};
  config.upstream = {"127.0.0.1", static_cast<std::uint16_t>(upstream_port)};
  config.policy = (m_dir / "pgwarden.toml").string();
  if (config.record.empty()) config.record = (m_dir / "record.jsonl").string();
  if (config.threads == 0) config.threads = 2;
  config.upstream_tls = proxy::UpstreamTls::disable;
  proxy::log::set_level(proxy::log::Level::warn);
  auto p = proxy::Proxy::create(config);
  ASSERT_TRUE(p) << p.error().to_string();
  m_proxy = std::move(*p);
  auto started = m_proxy->start();
  ASSERT_TRUE(started) << started.error().to_string();
  m_port = m_proxy->endpoints().at(0).port();
}

void ProxyFixture::TearDown() {
  if (m_proxy) {
    m_proxy->stop();
    m_proxy->wait();
    m_proxy.reset();
  }
  if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
}

std::string ProxyFixture::conninfo(std::string_view extra) const {
  return "host=127.0.0.1 port=" + std::to_string(m_port) + " dbname=" + m_database +
         " user=postgres connect_timeout=10 sslmode=disable " + std::string(extra);
}

PgConn ProxyFixture::connect(std::string_view extra) const {
  PgConn c(PQconnectdb(conninfo(extra).c_str()));
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  return c;
}

std::string ProxyFixture::direct_scalar(std::string_view sql) const { return m_cluster->scalar(sql, m_database); }

std::string ProxyFixture::record() const {
  std::ifstream in(m_dir / "record.jsonl");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace pgwarden::test
