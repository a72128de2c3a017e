// A PostgreSQL client that writes protocol 3 bytes by hand, independently of the proxy's own
// encoder (https://www.postgresql.org/docs/15/protocol-message-formats.html), for tests that
// need what libpq will not send: malformed or premature bytes, startup parameters of any name,
// pipelines of exactly these messages.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgwarden::test {

using namespace std::chrono_literals;

inline std::string u32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
inline std::string u16(std::uint16_t v) {
  return {static_cast<char>(v >> 8), static_cast<char>(v)};
}
inline std::string cstr(std::string_view s) {
  return std::string(s) + '\0';
}

inline std::string typed(char type, std::string_view body) {
  return std::string(1, type) + u32(static_cast<std::uint32_t>(body.size() + 4)) +
         std::string(body);
}
inline std::string startup_packet(std::string_view database, std::string_view application,
                                  const std::vector<std::pair<std::string, std::string>>& more = {}) {
  std::string body = u32(196608) + cstr("user") + cstr("postgres") + cstr("database") + cstr(database) +
                     cstr("application_name") + cstr(application);
  for (const auto& [name, value] : more) body += cstr(name) + cstr(value);
  body += '\0';
  return u32(static_cast<std::uint32_t>(body.size() + 4)) + body;
}
inline const std::string k_ssl_request = u32(8) + u32(80877103);
inline std::string query(std::string_view sql) {
  return typed('Q', cstr(sql));
}
inline std::string parse(std::string_view sql) {
  return typed('P', cstr("") + cstr(sql) + u16(0));
}
inline std::string bind() {
  return typed('B', cstr("") + cstr("") + u16(0) + u16(0) + u16(0));
}
inline std::string execute() {
  return typed('E', cstr("") + u32(0));
}

struct Message {
  char type = 0;
  std::string body;
  // An ErrorResponse / NoticeResponse field ('S', 'V', 'C', 'M', ...); empty when absent.
  [[nodiscard]] std::string field(char code) const {
    const auto f = fields();
    const auto it = f.find(code);
    return it == f.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::map<char, std::string> fields() const {
    std::map<char, std::string> f;
    std::size_t at = 0;
    while (at < body.size() && body[at] != '\0') {
      const std::size_t end = body.find('\0', at + 1);
      if (end == std::string::npos) break;
      f[body[at]] = body.substr(at + 1, end - at - 1);
      at = end + 1;
    }
    return f;
  }
};

// A blocking client socket whose every read gives up after `timeout`, so a proxy that never
// answers (or never closes) fails the test instead of hanging it.
class RawClient {
 public:
  explicit RawClient(int port, std::chrono::milliseconds timeout = 5000ms)
      : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                     static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m_connected = ::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  [[nodiscard]] bool connected() const { return m_connected; }

  // One send() call: what is sent together arrives together on loopback.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The next typed message; nullopt when the peer closed or the read timed out (see closed()).
  std::optional<Message> read_message() {
    while (m_in.size() < 5 || m_in.size() < 1 + static_cast<std::size_t>(length_at(1))) {
      if (!fill()) return std::nullopt;
    }
    Message m{m_in[0], m_in.substr(5, length_at(1) - 4)};
    m_in.erase(0, 1 + length_at(1));
    return m;
  }
  std::optional<char> read_byte() {
    if (m_in.empty() && !fill()) return std::nullopt;
    const char c = m_in[0];
    m_in.erase(0, 1);
    return c;
  }
  // Reads at least `n` bytes of whatever comes.
  bool read_bytes(std::size_t n) {
    while (m_in.size() < n) {
      if (!fill()) return false;
    }
    m_in.clear();
    return true;
  }
  // Reads and drops everything until the peer closes; false when it did not close in time.
  bool wait_closed() {
    m_in.clear();
    while (fill()) m_in.clear();
    return m_closed;
  }
  [[nodiscard]] bool closed() const { return m_closed; }
  [[nodiscard]] bool timed_out() const { return m_timed_out; }

  // Startup as postgres (trust) and everything up to the first ReadyForQuery.
  bool start_session(std::string_view database, std::string_view application) {
    if (!send(startup_packet(database, application))) return false;
    for (;;) {
      const auto m = read_message();
      if (!m || m->type == 'E') return false;
      if (m->type == 'Z') return true;
    }
  }

  // Closes with a TCP reset, as a killed process or a dropped network path leaves it.
  void reset() {
    const linger abort{1, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    close();
  }
  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  [[nodiscard]] std::uint32_t length_at(std::size_t at) const {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(m_in[at + i]);
    return v;
  }
  bool fill() {
    char buffer[65536];
    const auto n = ::recv(m_fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      m_in.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0 || errno == ECONNRESET) {
      m_closed = true;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      m_timed_out = true;
    }
    return false;
  }

  int m_fd;
  bool m_connected = false;
  bool m_closed = false;
  bool m_timed_out = false;
  std::string m_in;
};

}  // namespace pgwarden::test
