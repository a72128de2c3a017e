// Operating the proxy as a DBA does: the real binary, a config file with flags over it, SIGHUP
// to reload the policy (a broken file keeps the old one), SIGTERM to drain, /metrics and
// /healthz on the admin port.
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "proxy/config.hpp"
#include "support/proxy_fixture.hpp"

extern char** environ;

namespace pgwarden::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view k_lenient = R"(
[policy]
name = "Sessions may be purged"
[[tables]]
name = "sessions"
actions = { delete = "allow", delete_all = "allow" }
)";

constexpr std::string_view k_strict = R"(
[policy]
name = "Nothing is deleted"
[actions]
delete = "deny"
)";

std::string http_get(int port, std::string_view path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[65536];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// The built binary, running `pgwarden proxy ...` in the background.
class ProxyProcess {
 public:
  explicit ProxyProcess(std::vector<std::string> args) {
    std::vector<char*> argv;
    static std::string binary = PGWARDEN_BINARY;
    argv.push_back(binary.data());
    m_args = std::move(args);
    for (auto& a : m_args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&m_pid, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) m_pid = -1;
  }
  ~ProxyProcess() {
    if (m_pid > 0 && !m_exited) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  void signal(int sig) const { ::kill(m_pid, sig); }
  // The exit code, or -1 when it did not exit within `limit`.
  int wait_exit(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_exited = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t m_pid = -1;
  bool m_exited = false;
  std::vector<std::string> m_args;
};

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(25ms);
  }
  return done();
}

class ProxyOperations : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    m_cluster = PgCluster::shared(&why);
    if (m_cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_database = "ops_" + std::string(info->name()).substr(0, 40);
    for (auto& c : m_database) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m_cluster->create_database(m_database);
    m_cluster->execute(k_demo_schema, m_database);
    char tmpl[] = "/tmp/pgwarden-ops-test-XXXXXX";
    m_dir = mkdtemp(tmpl);
    m_port = free_port();
    m_admin = free_port();
  }
  void TearDown() override {
    if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
  }
  void write_policy(std::string_view text) const {
    std::ofstream(m_dir / "pgwarden.toml.tmp") << text;
    std::filesystem::rename(m_dir / "pgwarden.toml.tmp", m_dir / "pgwarden.toml");
  }
  [[nodiscard]] std::string conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(m_port) + " dbname=" + m_database +
           " user=postgres sslmode=disable connect_timeout=5";
  }
  [[nodiscard]] PgConn connect_when_up() const {
    PgConn c;
    eventually([&] {
      c.reset(PQconnectdb(conninfo().c_str()));
      return PQstatus(c.get()) == CONNECTION_OK;
    });
    return c;
  }

  PgCluster* m_cluster = nullptr;
  std::string m_database;
  std::filesystem::path m_dir;
  int m_port = 0;
  int m_admin = 0;
};

TEST_F(ProxyOperations, AConfigFileWithAFlagOverItRunsAndHealthzAndMetricsAnswer) {
  write_policy(k_lenient);
  std::ofstream(m_dir / "proxy.toml") << "listen = \"127.0.0.1:1\"\n"  // overridden by --listen
                                      << "upstream = \"127.0.0.1:" << m_cluster->port() << "\"\n"
                                      << "policy = \"" << (m_dir / "pgwarden.toml").string() << "\"\n"
                                      << "admin = \"127.0.0.1:" << m_admin << "\"\n"
                                      << "[upstream_tls]\nmode = \"disable\"\n";
  ProxyProcess p({"proxy", "--config", (m_dir / "proxy.toml").string(), "--listen",
                  "127.0.0.1:" + std::to_string(m_port), "--log-level", "warn"});
  auto c = connect_when_up();
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  EXPECT_EQ(exec(c.get(), "DROP TABLE ledger_entries").sqlstate, "42501");
  const std::string health = http_get(m_admin, "/healthz");
  EXPECT_NE(health.find("200 OK"), std::string::npos) << health;
  const std::string metrics = http_get(m_admin, "/metrics");
  EXPECT_NE(metrics.find("pgwarden_refusals_total{action=\"drop_table\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("pgwarden_connections_active 1"), std::string::npos) << metrics;
}

TEST_F(ProxyOperations, ABrokenConfigFileNamesFileLineAndKeyAndExitsTwo) {
  std::ofstream(m_dir / "proxy.toml") << "upstream = \"127.0.0.1:5432\"\n[limits]\nmax_conections = 10\n";
  ProxyProcess p({"proxy", "--config", (m_dir / "proxy.toml").string()});
  EXPECT_EQ(p.wait_exit(10s), 2);
  const auto parsed = proxy::parse_proxy_config("upstream = \"127.0.0.1:5432\"\n[limits]\nmax_conections = 10\n", "proxy.toml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().to_string(), "proxy.toml:3:18: key 'limits.max_conections': unknown key");
}

TEST_F(ProxyOperations, SighupReloadsThePolicyForOpenSessionsAndABrokenFileKeepsTheOldOne) {
  write_policy(k_lenient);
  ProxyProcess p({"proxy", "--listen", "127.0.0.1:" + std::to_string(m_port), "--upstream",
                  "127.0.0.1:" + std::to_string(m_cluster->port()), "--policy", (m_dir / "pgwarden.toml").string(),
                  "--upstream-tls", "disable", "--admin", "127.0.0.1:" + std::to_string(m_admin), "--log-level",
                  "error"});
  auto c = connect_when_up();
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK);
  EXPECT_TRUE(exec(c.get(), "DELETE FROM sessions WHERE id = 1").ok());

  write_policy(k_strict);
  p.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return http_get(m_admin, "/metrics").find("pgwarden_policy_reloads_total{result=\"ok\"} 2") != std::string::npos;
  })) << http_get(m_admin, "/metrics");
  const auto refused = exec(c.get(), "DELETE FROM sessions WHERE id = 2");  // the same session
  EXPECT_EQ(refused.sqlstate, "42501");
  EXPECT_NE(refused.detail.find("Nothing is deleted"), std::string::npos) << refused.detail;

  write_policy("[actions]\ndelete = \"maybe\"\n");
  p.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return http_get(m_admin, "/metrics").find("pgwarden_policy_reloads_total{result=\"error\"} 1") != std::string::npos;
  }));
  EXPECT_EQ(exec(c.get(), "DELETE FROM sessions WHERE id = 2").sqlstate, "42501");  // still the strict policy
  auto fresh = connect_when_up();
  EXPECT_EQ(exec(fresh.get(), "DELETE FROM sessions WHERE id = 2").sqlstate, "42501");
  EXPECT_EQ(m_cluster->scalar("SELECT count(*) FROM sessions", m_database), "1");
}

TEST_F(ProxyOperations, SigtermLetsAnOpenTransactionFinishClosesIdleSessionsAndExitsZero) {
  write_policy(k_lenient);
  ProxyProcess p({"proxy", "--listen", "127.0.0.1:" + std::to_string(m_port), "--upstream",
                  "127.0.0.1:" + std::to_string(m_cluster->port()), "--policy", (m_dir / "pgwarden.toml").string(),
                  "--upstream-tls", "disable", "--log-level", "error"});
  auto busy = connect_when_up();
  auto idle = connect_when_up();
  ASSERT_EQ(PQstatus(busy.get()), CONNECTION_OK);
  ASSERT_EQ(PQstatus(idle.get()), CONNECTION_OK);
  ASSERT_TRUE(exec(busy.get(), "BEGIN").ok());
  ASSERT_TRUE(exec(busy.get(), "INSERT INTO sessions (user_id) VALUES (99)").ok());

  p.signal(SIGTERM);
  // The idle session is told the proxy is shutting down and closed.
  ASSERT_TRUE(eventually([&] {
    const auto r = exec(idle.get(), "SELECT 1");
    return !r.ok();
  }));
  // New clients are no longer accepted.
  PgConn refused(PQconnectdb(conninfo().c_str()));
  EXPECT_NE(PQstatus(refused.get()), CONNECTION_OK);
  // The open transaction finishes and commits.
  EXPECT_TRUE(exec(busy.get(), "INSERT INTO sessions (user_id) VALUES (100)").ok());
  EXPECT_EQ(exec(busy.get(), "COMMIT").tag, "COMMIT");
  EXPECT_EQ(p.wait_exit(10s), 0);
  EXPECT_EQ(m_cluster->scalar("SELECT count(*) FROM sessions WHERE user_id IN (99, 100)", m_database), "2");
}

}  // namespace
}  // namespace pgwarden::test
