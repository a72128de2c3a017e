// The admin port over real TCP, as curl, a Prometheus scraper, a load balancer's health check and
// a hostile client see it: the answers to good requests, the status codes for bad ones, that
// garbage and silence cost only their own connection, and that stop() lets the io_context end.
#include "proxy/admin_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace pgwarden::proxy {
namespace {

using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::string_view k_metrics_text =
    "# TYPE pgwarden_statements_total counter\npgwarden_statements_total 42\n";

// A blocking POSIX client socket that gives up reading after 10 seconds, so a server that never
// answers fails the test instead of hanging it.
class ClientSocket {
 public:
  explicit ClientSocket(const tcp::endpoint& server) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (m_fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    const timeval timeout{10, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.port());
    address.sin_addr.s_addr = htonl(server.address().to_v4().to_uint());
    m_connected = ::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~ClientSocket() { ::close(m_fd); }
  ClientSocket(const ClientSocket&) = delete;
  ClientSocket& operator=(const ClientSocket&) = delete;

  [[nodiscard]] bool connected() const { return m_connected; }

  // False once the server has closed (sending to a closed socket must not raise SIGPIPE).
  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void finish_sending() { ::shutdown(m_fd, SHUT_WR); }

  // Everything until the server closes. `closed` is false when the read timed out or failed.
  std::string read_all(bool* closed = nullptr) {
    std::string out;
    char buffer[4096];
    for (;;) {
      const auto n = ::recv(m_fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (closed != nullptr) *closed = n == 0;
      return out;
    }
  }

 private:
  int m_fd;
  bool m_connected = false;
};

struct Reply {
  int status = 0;                              // 0: no answer at all
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

Reply parse_reply(const std::string& raw) {
  Reply r;
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || !raw.starts_with("HTTP/1.1 ")) return r;
  r.status = std::stoi(raw.substr(9, 3));
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < head_end) {
    const auto eol = raw.find("\r\n", pos);
    const auto line = raw.substr(pos, eol - pos);
    const auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    pos = eol + 2;
  }
  r.body = raw.substr(head_end + 4);
  return r;
}

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_server = std::make_unique<AdminServer>(
        m_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        [this] {
          if (m_fail_metrics) throw std::runtime_error("metrics broke");
          return std::string(k_metrics_text);
        },
        [this] { return m_healthy.load(); });
    m_endpoint = m_server->local_endpoint();
    // Two threads, as the proxy may run its io_context: the server's strand must keep them apart.
    for (auto& running : m_running)
      running = std::async(std::launch::async, [this] { m_io.run(); });
  }

  void TearDown() override {
    if (m_server) stop_server();
  }

  // stop() must leave the io_context without work, so run() returns by itself, and soon.
  void stop_server() {
    m_server->stop();
    for (auto& running : m_running) {
      if (running.wait_for(3s) != std::future_status::ready) {
        ADD_FAILURE() << "io_context still has work 3 s after stop()";
        m_io.stop();
      }
      running.get();
    }
    m_server.reset();
  }

  [[nodiscard]] tcp::endpoint endpoint() const { return m_endpoint; }

  // One request, sent whole; the answer read until the server closes.
  Reply exchange(std::string_view request, bool finish_sending = false) {
    ClientSocket client(m_endpoint);
    EXPECT_TRUE(client.connected());
    client.send(request);
    if (finish_sending) client.finish_sending();
    bool closed = false;
    auto reply = parse_reply(client.read_all(&closed));
    EXPECT_TRUE(closed) << "the server did not close the connection";
    return reply;
  }

  Reply get(std::string_view path, std::string_view method = "GET") {
    return exchange(std::string(method) + " " + std::string(path) +
                    " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  }

  asio::io_context m_io;
  std::atomic<bool> m_healthy{true};
  std::atomic<bool> m_fail_metrics{false};
  std::unique_ptr<AdminServer> m_server;
  std::array<std::future<void>, 2> m_running;
  tcp::endpoint m_endpoint;  // kept: stop_server() destroys the server
};

TEST_F(AdminServerTest, BindsToTheChosenPort) {
  EXPECT_EQ(endpoint().address().to_string(), "127.0.0.1");
  EXPECT_NE(endpoint().port(), 0);
}

TEST_F(AdminServerTest, MetricsAreServedAsPrometheusText) {
  const auto r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(k_metrics_text.size()));
  EXPECT_EQ(r.headers.at("connection"), "close");
  EXPECT_EQ(r.body, k_metrics_text);
}

TEST_F(AdminServerTest, HealthzIsOkWhileHealthyAnd503Otherwise) {
  auto r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_EQ(r.headers.at("content-length"), "3");

  m_healthy = false;
  r = get("/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "unhealthy\n");
  EXPECT_EQ(r.headers.at("content-length"), "10");
  EXPECT_EQ(r.headers.at("connection"), "close");
}

TEST_F(AdminServerTest, HeadAnswersLikeGetWithoutTheBody) {
  const auto r = get("/metrics", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(k_metrics_text.size()));
  EXPECT_EQ(r.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, "");

  const auto h = get("/healthz", "HEAD");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.headers.at("content-length"), "3");
  EXPECT_EQ(h.body, "");
}

TEST_F(AdminServerTest, OtherPathsAre404) {
  for (const auto* path : {"/", "/metricsx", "/metrics/", "/healthz/x", "/admin"}) {
    const auto r = get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.headers.at("content-length"), std::to_string(r.body.size())) << path;
    EXPECT_EQ(r.headers.at("connection"), "close") << path;
  }
}

TEST_F(AdminServerTest, OtherMethodsAre405AndSayWhatIsAllowed) {
  for (const auto* method : {"POST", "PUT", "DELETE", "OPTIONS", "get"}) {
    const auto r = get("/metrics", method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.headers.at("allow"), "GET, HEAD") << method;
  }
  EXPECT_EQ(get("/healthz", "POST").status, 405);
}

TEST_F(AdminServerTest, QueryStringsHttp10AbsoluteTargetsAndBareLineFeedsAreUnderstood) {
  EXPECT_EQ(get("/metrics?name[]=x").status, 200);
  EXPECT_EQ(exchange("GET /healthz HTTP/1.0\r\n\r\n").status, 200);
  EXPECT_EQ(
      exchange("GET http://localhost:9187/metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").status,
      200);
  EXPECT_EQ(exchange("GET /healthz HTTP/1.1\nHost: x\n\n").body, "ok\n");
  EXPECT_EQ(exchange("\r\nGET /healthz HTTP/1.1\r\n\r\n").status, 200);
}

TEST_F(AdminServerTest, ARequestTrickledByteByByteIsAnswered) {
  ClientSocket client(endpoint());
  for (const char c : std::string_view("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")) {
    ASSERT_TRUE(client.send(std::string_view(&c, 1)));
    std::this_thread::sleep_for(1ms);
  }
  const auto r = parse_reply(client.read_all());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST_F(AdminServerTest, AHeadOver8KiBIs431) {
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(16384, 'a') + "\r\n\r\n";
  const auto r = exchange(request);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.headers.at("connection"), "close");
  // Also when the request line alone is too long.
  EXPECT_EQ(exchange("GET /" + std::string(9000, 'm') + " HTTP/1.1\r\n\r\n").status, 431);
}

TEST_F(AdminServerTest, AHeadOfJustUnder8KiBIsServed) {
  const std::string start = "GET /healthz HTTP/1.1\r\nX-Pad: ";
  const std::string request = start + std::string(8192 - start.size() - 4, 'p') + "\r\n\r\n";
  ASSERT_EQ(request.size(), 8192U);
  EXPECT_EQ(exchange(request).status, 200);
}

TEST_F(AdminServerTest, MalformedRequestLinesAre400) {
  for (const auto& request : {
           std::string("GARBAGE\r\n\r\n"), std::string("GET /metrics\r\n\r\n"),
           std::string("GET  /metrics HTTP/1.1\r\n\r\n"),
           std::string("GET /metrics HTTP/1.1 extra\r\n\r\n"),
           std::string("GET /metrics HTTP/x.1\r\n\r\n"),
           std::string("G(T /metrics HTTP/1.1\r\n\r\n"),
           std::string("GET /met\x01rics HTTP/1.1\r\n\r\n"), std::string("GET * HTTP/1.1\r\n\r\n"),
           std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", 12),  // a TLS ClientHello
       }) {
    const auto r = exchange(request);
    EXPECT_EQ(r.status, 400) << request;
    EXPECT_EQ(r.body, "Bad Request\n") << request;
  }
}

TEST_F(AdminServerTest, AnUnsupportedHttpVersionIs505) {
  EXPECT_EQ(exchange("GET /metrics HTTP/2.0\r\n\r\n").status, 505);
}

TEST_F(AdminServerTest, ARequestCutShortIs400) {
  EXPECT_EQ(exchange("GET /metrics HTTP/1.1\r\nHost: loc", true).status, 400);
  EXPECT_EQ(exchange("GET /metr", true).status, 400);
}

TEST_F(AdminServerTest, AClientThatLeavesWithoutAWordGetsNoAnswer) {
  const auto r = exchange("", true);
  EXPECT_EQ(r.status, 0);
}

TEST_F(AdminServerTest, RandomBytesAreRefusedAndTheServerKeepsServing) {
  std::mt19937 random(20240611);  // NOLINT(cert-msc32-c,cert-msc51-cpp): reproducible on purpose
  for (int i = 0; i < 60; ++i) {
    std::string junk(1 + random() % 12000, '\0');
    for (auto& c : junk) c = static_cast<char>(random());
    const auto r = exchange(junk, true);
    EXPECT_TRUE(r.status == 400 || r.status == 431) << "case " << i << ": " << r.status;
  }
  EXPECT_EQ(get("/metrics").status, 200);
}

TEST_F(AdminServerTest, AFailingMetricsFunctionCostsOnlyThatRequest) {
  m_fail_metrics = true;
  EXPECT_EQ(get("/metrics").status, 500);
  m_fail_metrics = false;
  EXPECT_EQ(get("/metrics").body, k_metrics_text);
}

TEST_F(AdminServerTest, ManyClientsAtOnceAreAllAnswered) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (get(i % 2 == 0 ? "/metrics" : "/healthz").status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(AdminServerTest, ASilentClientHoldsUpNobodyAndIsClosedAfterFiveSeconds) {
  ClientSocket silent(endpoint());
  ASSERT_TRUE(silent.connected());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/healthz").status, 200);

  bool closed = false;
  EXPECT_EQ(silent.read_all(&closed), "");
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed) << "the silent connection was never closed";
  EXPECT_GE(waited, 4500ms);
  EXPECT_LT(waited, 8s);
}

TEST_F(AdminServerTest, StopClosesOpenConnectionsAndTheListener) {
  ClientSocket silent(endpoint());
  ClientSocket half(endpoint());
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(half.send("GET /metrics HTTP/1.1\r\n"));
  EXPECT_EQ(get("/healthz").status, 200);  // both are being served by now

  const auto start = std::chrono::steady_clock::now();
  stop_server();
  bool closed = false;
  silent.read_all(&closed);
  EXPECT_TRUE(closed);
  half.read_all(&closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);

  const ClientSocket late(endpoint());
  EXPECT_FALSE(late.connected());
}

TEST_F(AdminServerTest, AStoppedServerCanBeStoppedAgain) {
  m_server->stop();
  m_server->stop();
  stop_server();
}

TEST_F(AdminServerTest, ATakenPortIsAStartupError) {
  asio::io_context other;
  EXPECT_THROW(AdminServer(
                   other, endpoint(), [] { return std::string(); }, [] { return true; }),
               std::system_error);
}

}  // namespace
}  // namespace pgwarden::proxy
