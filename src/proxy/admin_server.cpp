// The admin port's HTTP: just enough of HTTP/1.1 (RFC 9112) for Prometheus scrapers, load
// balancer health checks and curl. One request per connection, answered with `Connection: close`.
//
// Per connection: read until the blank line that ends the request head (CRLF or bare LF, RFC
// 9112 section 2.2), answer from the request line alone (headers and any body are ignored), then
// close. A request line that cannot be valid is answered with 400 as soon as its line ends, so
// garbage is not waited on. Every step has a deadline, kept by a timer that closes the socket.
//
// Closing a socket with unread bytes in it makes the kernel send a reset, which can destroy the
// answer before the client reads it (a 431 is sent exactly when the client is still sending). So
// after answering, the server shuts down its sending side and reads and discards for a short
// while before it closes, as Apache's and nginx's "lingering close" do.
#include "proxy/admin_server.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace pgwarden::proxy {
namespace {

using tcp = asio::ip::tcp;

constexpr std::size_t k_max_head_bytes = 8192;
constexpr auto k_head_timeout = std::chrono::seconds(5);
constexpr auto k_write_timeout = std::chrono::seconds(5);
constexpr auto k_linger_timeout = std::chrono::seconds(2);
constexpr std::size_t k_linger_max_bytes = 65536;
// Each open admin connection holds a file descriptor the proxy's clients might need; past this
// many, new admin connections are closed at once.
constexpr std::size_t k_max_connections = 64;
// After a failed accept (out of file descriptors, say), wait before trying again rather than spin.
constexpr auto k_accept_retry = std::chrono::milliseconds(100);

// ---- The request, as text ----

struct RequestLine {
  std::string_view method;
  std::string_view target;
  std::string_view version;  // "HTTP/1.1"
};

// token characters, RFC 9110 section 5.6.2
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// method SP request-target SP HTTP-version, RFC 9112 section 3; the line without its CRLF.
std::optional<RequestLine> parse_request_line(std::string_view line) {
  const auto first = line.find(' ');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const RequestLine r{line.substr(0, first), line.substr(first + 1, second - first - 1),
                      line.substr(second + 1)};
  if (r.method.empty()) return std::nullopt;
  for (const char c : r.method) {
    if (!is_tchar(c)) return std::nullopt;
  }
  if (r.target.empty()) return std::nullopt;
  for (const char c : r.target) {
    if (c < 0x21 || c > 0x7e) return std::nullopt;
  }
  const auto& v = r.version;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (v.size() != 8 || !v.starts_with("HTTP/") || !digit(v[5]) || v[6] != '.' || !digit(v[7]))
    return std::nullopt;
  return r;
}

enum class HeadStatus : unsigned char { need_more, complete, malformed, too_large };

// `received` is everything read so far, at most k_max_head_bytes.
HeadStatus scan_head(std::string_view received, std::string_view* request_line) {
  const bool full = received.size() >= k_max_head_bytes;
  // A server should ignore empty lines before the request line (RFC 9112 section 2.2).
  const auto start = received.find_first_not_of("\r\n");
  if (start == std::string_view::npos) return full ? HeadStatus::too_large : HeadStatus::need_more;
  received.remove_prefix(start);
  const auto eol = received.find('\n');
  if (eol == std::string_view::npos) return full ? HeadStatus::too_large : HeadStatus::need_more;
  auto line = received.substr(0, eol);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (!parse_request_line(line)) return HeadStatus::malformed;
  *request_line = line;
  // The head ends at the first empty line: "\n\n" or "\n\r\n" from the request line's end on.
  if (received.find("\n\n", eol) != std::string_view::npos ||
      received.find("\n\r\n", eol) != std::string_view::npos) {
    return HeadStatus::complete;
  }
  return full ? HeadStatus::too_large : HeadStatus::need_more;
}

// The path of an origin-form ("/metrics?x") or absolute-form ("http://host/metrics") target;
// empty for any other form.
std::string_view path_of(std::string_view target) {
  if (!target.starts_with('/')) {
    const auto scheme = target.find("://");
    if (scheme == std::string_view::npos) return {};
    const auto slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  return target.substr(0, target.find_first_of("?#"));
}

// ---- The answer ----

struct Response {
  int status = 200;
  std::string_view reason = "OK";
  std::string body;
  std::string_view content_type = "text/plain; charset=utf-8";
  bool allow = false;  // 405: say which methods are allowed
};

Response error_response(int status, std::string_view reason) {
  Response r;
  r.status = status;
  r.reason = reason;
  r.body = fmt::format("{}\n", reason);
  return r;
}

std::string serialize(const Response& r, bool head_only) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                                r.status, r.reason, r.content_type, r.body.size());
  if (r.allow) out += "Allow: GET, HEAD\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

Response route(const RequestLine& request, const std::function<std::string()>& metrics_text,
               const std::function<bool()>& healthy) {
  if (request.version[5] != '1') return error_response(505, "HTTP Version Not Supported");
  const auto path = path_of(request.target);
  if (path.empty()) return error_response(400, "Bad Request");
  const bool is_metrics = path == "/metrics";
  if (!is_metrics && path != "/healthz") return error_response(404, "Not Found");
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = error_response(405, "Method Not Allowed");
    r.allow = true;
    return r;
  }
  // The functions belong to the caller; whatever they throw costs this request only.
  try {
    if (is_metrics) {
      Response r;
      r.body = metrics_text();
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return r;
    }
    if (healthy()) {
      Response r;
      r.body = "ok\n";
      return r;
    }
    auto r = error_response(503, "Service Unavailable");
    r.body = "unhealthy\n";
    return r;
  } catch (const std::exception&) {
    return error_response(500, "Internal Server Error");
  }
}

// ---- One connection ----

struct Client {
  explicit Client(tcp::socket s) : socket(std::move(s)), deadline(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer deadline;  // when it expires, the socket is closed
};

void arm(const std::shared_ptr<Client>& client, std::chrono::steady_clock::duration after) {
  client->deadline.expires_after(after);
  client->deadline.async_wait([weak = std::weak_ptr<Client>(client)](const asio::error_code& ec) {
    if (ec) return;
    auto c = weak.lock();
    // An expiry that raced with re-arming is not a timeout.
    if (!c || c->deadline.expiry() > std::chrono::steady_clock::now()) return;
    asio::error_code ignored;
    c->socket.close(ignored);
  });
}

}  // namespace

struct AdminServer::State {
  State(asio::io_context& io, std::function<std::string()> metrics, std::function<bool()> health)
      : strand(asio::make_strand(io)),
        acceptor(strand),
        accept_retry(strand),
        metrics_text(std::move(metrics)),
        healthy(std::move(health)) {}

  void stop() {
    if (stopped) return;
    stopped = true;
    asio::error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    for (Client* c : clients) {
      c->socket.close(ignored);
      c->deadline.cancel();
    }
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> state);
  static asio::awaitable<void> serve(std::shared_ptr<State> state, std::shared_ptr<Client> client);

  // Everything below is touched only on the strand.
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::function<std::string()> metrics_text;
  std::function<bool()> healthy;
  std::unordered_set<Client*> clients;  // open connections, owned by their coroutines
  std::size_t accepted = 0;             // connections accepted and not yet finished
  bool stopped = false;
};

// Reads the request head, answers, lingers, closes. Errors end this connection only.
asio::awaitable<void> AdminServer::State::serve(std::shared_ptr<State> state,
                                                std::shared_ptr<Client> client) {
  state->clients.insert(client.get());
  struct Leave {
    State& s;
    Client* c;
    ~Leave() {
      s.clients.erase(c);
      --s.accepted;
    }
  } leave{*state, client.get()};
  auto& socket = client->socket;
  asio::error_code ec;

  // 1. The request head.
  arm(client, k_head_timeout);
  std::array<char, k_max_head_bytes> buffer{};
  std::size_t size = 0;
  std::string_view request_line;
  auto status = HeadStatus::need_more;
  while (status == HeadStatus::need_more) {
    const auto n =
        co_await socket.async_read_some(asio::buffer(buffer.data() + size, buffer.size() - size),
                                        asio::redirect_error(asio::use_awaitable, ec));
    size += n;
    if (ec == asio::error::eof && size != 0) {
      status = HeadStatus::malformed;  // the client stopped sending mid-request
    } else if (ec) {
      co_return;  // closed without a word (a TCP health check), reset, timed out, or stopped
    } else {
      status = scan_head(std::string_view(buffer.data(), size), &request_line);
    }
  }
  if (state->stopped) co_return;

  // 2. The answer.
  std::string answer;
  switch (status) {
    case HeadStatus::complete: {
      const auto request = *parse_request_line(request_line);
      answer =
          serialize(route(request, state->metrics_text, state->healthy), request.method == "HEAD");
      break;
    }
    case HeadStatus::too_large:
      answer = serialize(error_response(431, "Request Header Fields Too Large"), false);
      break;
    case HeadStatus::malformed:
    case HeadStatus::need_more:
      answer = serialize(error_response(400, "Bad Request"), false);
      break;
  }
  arm(client, k_write_timeout);
  co_await asio::async_write(socket, asio::buffer(answer),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;

  // 3. The lingering close.
  socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  arm(client, k_linger_timeout);
  for (std::size_t drained = 0; drained < k_linger_max_bytes;) {
    drained += co_await socket.async_read_some(asio::buffer(buffer),
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
}

asio::awaitable<void> AdminServer::State::accept_loop(std::shared_ptr<State> state) {
  while (!state->stopped) {
    asio::error_code ec;
    auto socket =
        co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (state->stopped) co_return;
    if (ec) {
      state->accept_retry.expires_after(k_accept_retry);
      co_await state->accept_retry.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // Over the limit, the socket closes as it goes out of scope.
    if (state->accepted >= k_max_connections) continue;
    ++state->accepted;
    // Nothing in serve() throws: I/O errors come back as error codes and route() catches what
    // the caller's functions throw. So detached, which would drop an exception, loses nothing.
    asio::co_spawn(state->strand, serve(state, std::make_shared<Client>(std::move(socket))),
                   asio::detached);
  }
}

AdminServer::AdminServer(asio::io_context& io, const tcp::endpoint& endpoint,
                         std::function<std::string()> metrics_text, std::function<bool()> healthy)
    : m_state(std::make_shared<State>(io, std::move(metrics_text), std::move(healthy))) {
  auto& acceptor = m_state->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  m_endpoint = acceptor.local_endpoint();
  asio::co_spawn(m_state->strand, State::accept_loop(m_state), asio::detached);
}

AdminServer::~AdminServer() {
  stop();
}

void AdminServer::stop() {
  asio::dispatch(m_state->strand, [state = m_state] { state->stop(); });
}

}  // namespace pgwarden::proxy
