// The admin port: a minimal HTTP/1.1 server for operators and their tools.
//
// In: one request per TCP connection. Out: `GET /metrics` (the Prometheus text from
// `metrics_text`), `GET /healthz` (200 `ok` while `healthy()`, else 503 `unhealthy`), HEAD of
// either; 400, 404, 405, 431 or 505 for anything else (500 when a function throws), and always
// `Connection: close`. It never serves the PostgreSQL port and knows nothing of policies; it only
// calls the two functions it is given.
//
// Admin traffic is rare and small, so it runs on one strand of the given io_context: requests are
// handled one step at a time, whichever threads run the context. A request head is at most 8 KiB
// and must arrive within 5 seconds; a bad or slow client only ever loses its own connection.
#pragma once

#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>

namespace pgwarden::proxy {

class AdminServer {
 public:
  // Binds and listens now, throwing asio::system_error (a std::system_error) when it cannot: a
  // port that is taken is a startup failure. Accepting starts when the io_context runs.
  // The two functions are called on the io_context's threads, one at a time, and never after
  // stop() has taken effect.
  AdminServer(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint,
              std::function<std::string()> metrics_text, std::function<bool()> healthy);
  // Stops. Destroy it on an io_context thread or when no thread runs the io_context: a request
  // in flight on another thread could otherwise still call the two functions once it is gone.
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The bound address; with port 0, the port the system chose. Safe from any thread.
  [[nodiscard]] asio::ip::tcp::endpoint local_endpoint() const { return m_endpoint; }

  // Closes the listening socket and every open admin connection. Safe from any thread: it takes
  // effect on the server's strand (at once when called from it). Idempotent. Once it has taken
  // effect the server holds no work on the io_context, so run() can return.
  void stop();

 private:
  struct State;

  std::shared_ptr<State> m_state;  // shared with the coroutines, which may outlive this object
  asio::ip::tcp::endpoint m_endpoint;
};

}  // namespace pgwarden::proxy
