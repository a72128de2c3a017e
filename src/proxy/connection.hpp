// One client connection on Asio: the client socket (plain or TLS), the server socket (plain or
// TLS), the startup timer, and the Session that decides. Two coroutines on the connection's
// io_context: one reads the client and writes the server, one reads the server and writes the
// client; both may need to write to the client (a local refusal, a protocol error), so writes to
// the client go through one queue that only one of them drains at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "proxy/session.hpp"

namespace pgwarden::proxy {

class Proxy;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Proxy& proxy, asio::ip::tcp::socket client, std::uint64_t id);
  ~Connection();
  void start();
  // SIGTERM: close now if idle outside a transaction, else after the transaction ends.
  void drain();
  // Close both sides at once.
  void close();
  asio::any_io_executor executor() { return m_client.get_executor(); }

 private:
  asio::awaitable<void> client_loop();
  asio::awaitable<void> server_loop();
  asio::awaitable<void> startup_watch();
  asio::awaitable<void> apply(Output& out);
  asio::awaitable<void> flush_client();
  asio::awaitable<bool> connect_upstream();
  asio::awaitable<void> forward_cancel(std::string packet);
  asio::awaitable<std::size_t> read_client(asio::mutable_buffer buffer, asio::error_code& ec);
  asio::awaitable<std::size_t> read_server(asio::mutable_buffer buffer, asio::error_code& ec);
  asio::awaitable<void> write_server(std::string_view data, asio::error_code& ec);
  void maybe_finish_drain();

  Proxy& m_proxy;
  asio::ip::tcp::socket m_client;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> m_client_tls;
  asio::ip::tcp::socket m_server;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> m_server_tls;
  asio::steady_timer m_startup_timer;
  asio::steady_timer m_client_drained;  // wakes a writer waiting for the client queue to drain
  Session m_session;
  std::string m_client_out;     // waiting to be written to the client
  std::string m_client_spare;   // being written to the client
  bool m_client_writing = false;
  bool m_closed = false;
  bool m_draining = false;
  std::uint64_t m_policy_generation = 0;
  std::chrono::steady_clock::time_point m_opened;
};

}  // namespace pgwarden::proxy
