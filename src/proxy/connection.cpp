#include "proxy/connection.hpp"

#include <asio/experimental/awaitable_operators.hpp>

#include "proxy/log.hpp"
#include "proxy/proxy.hpp"
#include "proxy/replies.hpp"
#include "proxy/wire/messages.hpp"

namespace pgwarden::proxy {
namespace {

using asio::awaitable;
using asio::redirect_error;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

constexpr std::size_t k_read_buffer = 64 * 1024;
// A client that reads slower than the server sends: stop reading the server past this backlog.
constexpr std::size_t k_client_backlog = 1 << 20;

ConnectionInfo info_for(const tcp::socket& socket, std::uint64_t id) {
  ConnectionInfo info;
  info.id = id;
  asio::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) info.client_address = remote.address().to_string();
  return info;
}

}  // namespace

Connection::Connection(Proxy& proxy, tcp::socket client, std::uint64_t id)
    : m_proxy(proxy),
      m_client(std::move(client)),
      m_server(m_client.get_executor()),
      m_startup_timer(m_client.get_executor()),
      m_client_drained(m_client.get_executor()),
      m_session(proxy.judge_context(),
                [&proxy](const ConnectionInfo& info, bool replication) { return proxy.admit(info, replication); },
                info_for(m_client, id),
                SessionLimits{proxy.config().max_message_bytes, 10000}, proxy.client_tls() != nullptr),
      m_policy_generation(proxy.policy_generation()),
      m_opened(std::chrono::steady_clock::now()) {
  asio::error_code ec;
  m_client.set_option(tcp::no_delay(true), ec);
}

Connection::~Connection() { m_proxy.connection_closed(m_session.info().id); }

void Connection::start() {
  auto self = shared_from_this();
  // The watch first: it arms its timer before the client loop can have closed the connection.
  asio::co_spawn(m_client.get_executor(), [self]() { return self->startup_watch(); }, asio::detached);
  asio::co_spawn(m_client.get_executor(), [self]() { return self->client_loop(); }, asio::detached);
}

void Connection::close() {
  // The timers go whatever happened before: a pending wait keeps the connection alive.
  m_startup_timer.cancel();
  m_client_drained.cancel();
  if (m_closed) return;
  m_closed = true;
  asio::error_code ec;
  m_client.shutdown(tcp::socket::shutdown_both, ec);
  m_client.close(ec);
  m_server.shutdown(tcp::socket::shutdown_both, ec);
  m_server.close(ec);
}

void Connection::drain() {
  m_draining = true;
  maybe_finish_drain();
}

void Connection::maybe_finish_drain() {
  if (!m_draining || m_closed) return;
  if (!m_session.ready()) return close();
  if (m_session.idle() && m_session.transaction_status() == 'I') {
    shutting_down(m_client_out);
    asio::co_spawn(m_client.get_executor(),
                   [self = shared_from_this()]() -> awaitable<void> {
                     co_await self->flush_client();
                     self->close();
                   },
                   asio::detached);
  }
}

awaitable<void> Connection::startup_watch() {
  if (m_closed) co_return;
  m_startup_timer.expires_after(m_proxy.config().startup_timeout);
  asio::error_code ec;
  co_await m_startup_timer.async_wait(redirect_error(use_awaitable, ec));
  // The timer is the client's: once its startup packet is in, what is left is the server's, and
  // the server's own authentication_timeout bounds it.
  if (ec || m_closed || !m_session.awaiting_startup()) co_return;
  m_proxy.metrics().refused_connection(RefusedReason::startup_timeout);
  log::info("client did not complete its startup in time",
            {{"connection", std::to_string(m_session.info().id)}, {"client", m_session.info().client_address}});
  startup_timeout(m_client_out);
  co_await flush_client();
  close();
}

awaitable<std::size_t> Connection::read_client(asio::mutable_buffer buffer, asio::error_code& ec) {
  if (m_client_tls) co_return co_await m_client_tls->async_read_some(buffer, redirect_error(use_awaitable, ec));
  co_return co_await m_client.async_read_some(buffer, redirect_error(use_awaitable, ec));
}

awaitable<std::size_t> Connection::read_server(asio::mutable_buffer buffer, asio::error_code& ec) {
  if (m_server_tls) co_return co_await m_server_tls->async_read_some(buffer, redirect_error(use_awaitable, ec));
  co_return co_await m_server.async_read_some(buffer, redirect_error(use_awaitable, ec));
}

awaitable<void> Connection::write_server(std::string_view data, asio::error_code& ec) {
  if (m_server_tls) {
    co_await asio::async_write(*m_server_tls, asio::buffer(data), redirect_error(use_awaitable, ec));
  } else {
    co_await asio::async_write(m_server, asio::buffer(data), redirect_error(use_awaitable, ec));
  }
  if (!ec) m_proxy.metrics().bytes(Direction::client_to_server, data.size());
}

awaitable<void> Connection::flush_client() {
  if (m_client_writing) {
    // The other loop is writing; it drains the queue. Wait for it only when the queue is long.
    while (m_client_writing && m_client_out.size() > k_client_backlog && !m_closed) {
      m_client_drained.expires_at(asio::steady_timer::time_point::max());
      asio::error_code ec;
      co_await m_client_drained.async_wait(redirect_error(use_awaitable, ec));
    }
    co_return;
  }
  m_client_writing = true;
  std::string& writing = m_client_spare;  // two buffers that trade places keep their capacity
  while (!m_client_out.empty() && !m_closed) {
    writing.swap(m_client_out);
    m_client_out.clear();
    asio::error_code ec;
    if (m_client_tls) {
      co_await asio::async_write(*m_client_tls, asio::buffer(writing), redirect_error(use_awaitable, ec));
    } else {
      co_await asio::async_write(m_client, asio::buffer(writing), redirect_error(use_awaitable, ec));
    }
    if (ec) {
      close();
      break;
    }
    m_proxy.metrics().bytes(Direction::server_to_client, writing.size());
    writing.clear();
  }
  m_client_writing = false;
  m_client_drained.cancel();
}

awaitable<bool> Connection::connect_upstream() {
  const auto& cfg = m_proxy.config();
  tcp::resolver resolver(m_client.get_executor());
  asio::error_code ec;
  const auto endpoints = co_await resolver.async_resolve(cfg.upstream.host, std::to_string(cfg.upstream.port),
                                                         redirect_error(use_awaitable, ec));
  if (ec) co_return false;
  asio::steady_timer deadline(m_client.get_executor());
  deadline.expires_after(cfg.connect_timeout);
  deadline.async_wait([this](const asio::error_code& e) {
    if (!e) {
      asio::error_code ignored;
      m_server.close(ignored);
    }
  });
  co_await asio::async_connect(m_server, endpoints, redirect_error(use_awaitable, ec));
  if (ec) co_return false;
  m_server.set_option(tcp::no_delay(true), ec);
  if (cfg.upstream_tls != UpstreamTls::disable && m_proxy.upstream_tls() != nullptr) {
    std::string request;
    wire::encode_untyped(request, wire::k_ssl_request, {});
    co_await asio::async_write(m_server, asio::buffer(request), redirect_error(use_awaitable, ec));
    char answer = 0;
    if (!ec) co_await asio::async_read(m_server, asio::buffer(&answer, 1), redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    if (answer == 'S') {
      m_server_tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(m_server, *m_proxy.upstream_tls());
      if (cfg.upstream_tls == UpstreamTls::verify_full) {
        const std::string name = cfg.upstream_server_name.empty() ? cfg.upstream.host : cfg.upstream_server_name;
        m_server_tls->set_verify_mode(asio::ssl::verify_peer);
        m_server_tls->set_verify_callback(asio::ssl::host_name_verification(name));
        SSL_set_tlsext_host_name(m_server_tls->native_handle(), name.c_str());
      }
      co_await m_server_tls->async_handshake(asio::ssl::stream_base::client, redirect_error(use_awaitable, ec));
      if (ec) {
        log::warn("TLS handshake with the server failed", {{"error", ec.message()}});
        co_return false;
      }
    } else if (cfg.upstream_tls == UpstreamTls::require || cfg.upstream_tls == UpstreamTls::verify_full) {
      log::warn("the server does not offer TLS, and upstream_tls requires it");
      co_return false;
    }
  }
  deadline.cancel();
  co_return true;
}

awaitable<void> Connection::forward_cancel(std::string packet) {
  // CancelRequest carries the server's own process id and key (BackendKeyData was relayed
  // unchanged), so it goes to the server as it came, on a connection of its own.
  if (co_await connect_upstream()) {
    asio::error_code ec;
    co_await write_server(packet, ec);
  }
  close();
}

awaitable<void> Connection::apply(Output& out) {
  if (std::exchange(out.refresh_relations, false) && m_proxy.lookup() != nullptr) {
    // A snapshot that is due for a refresh goes on serving while a new one is read.
    asio::co_spawn(m_client.get_executor(),
                   m_proxy.lookup()->fetch(m_session.info().database, {RoutineKey{RoutineKey::Kind::relations, ""}}),
                   asio::detached);
  }
  while (!out.lookups.empty() && !m_closed && m_proxy.lookup() != nullptr) {
    // The session waits for the definitions of the routines its next message runs; what it
    // decided before that message stays in `out`, in order.
    co_await m_proxy.lookup()->fetch(m_session.info().database, std::exchange(out.lookups, {}));
    m_session.resume(out);
  }
  // The flags are one-shot; the buffers are drained below and keep their capacity.
  const bool start_tls = std::exchange(out.start_client_tls, false);
  const bool connect = std::exchange(out.connect_upstream, false);
  const bool close_after = std::exchange(out.close, false);
  if (!out.to_client.empty()) {
    if (m_client_out.empty()) {
      m_client_out.swap(out.to_client);
    } else {
      m_client_out.append(out.to_client);
    }
    out.to_client.clear();
    co_await flush_client();
  }
  if (start_tls && !m_closed) {
    m_client_tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(m_client, *m_proxy.client_tls());
    asio::error_code ec;
    co_await m_client_tls->async_handshake(asio::ssl::stream_base::server, redirect_error(use_awaitable, ec));
    if (ec) {
      m_proxy.metrics().refused_connection(RefusedReason::tls);
      close();
      co_return;
    }
    m_session.on_client_tls_ready();
  }
  if (!out.cancel_request.empty()) {
    co_await forward_cancel(std::exchange(out.cancel_request, {}));
    co_return;
  }
  if (connect && !m_closed) {
    if (!co_await connect_upstream()) {
      m_proxy.metrics().refused_connection(RefusedReason::upstream_unavailable);
      Output failed;
      m_session.on_server_lost("cannot connect to " + m_proxy.config().upstream.to_string(), failed);
      m_client_out.append(failed.to_client);
      co_await flush_client();
      close();
      co_return;
    }
    asio::co_spawn(m_client.get_executor(), [self = shared_from_this()]() { return self->server_loop(); },
                   asio::detached);
  }
  if (!out.to_server.empty() && !m_closed) {
    asio::error_code ec;
    co_await write_server(out.to_server, ec);
    out.to_server.clear();
    if (ec) {
      Output lost;
      log::warn("write to server failed", {{"error", ec.message()}});
      m_session.on_server_lost(ec.message(), lost);
      m_client_out.append(lost.to_client);
      co_await flush_client();
      close();
      co_return;
    }
  }
  if (close_after && !m_closed) {
    co_await flush_client();
    close();
  }
}

awaitable<void> Connection::client_loop() {
  auto self = shared_from_this();
  std::vector<char> buffer(k_read_buffer);
  Output out;
  while (!m_closed) {
    asio::error_code ec;
    const std::size_t n = co_await read_client(asio::buffer(buffer), ec);
    if (ec || m_closed) break;
    if (m_policy_generation != m_proxy.policy_generation()) {
      m_policy_generation = m_proxy.policy_generation();
      if (m_session.ready()) {
        Admission a = m_proxy.admit(m_session.info(), m_session.replication());
        if (a.allowed) m_session.set_evaluator(std::move(a.evaluator));
      }
    }
    m_session.on_client_data(std::string_view(buffer.data(), n), out);
    co_await apply(out);
  }
  close();
}

awaitable<void> Connection::server_loop() {
  auto self = shared_from_this();
  std::vector<char> buffer(k_read_buffer);
  Output out;
  while (!m_closed) {
    asio::error_code ec;
    const std::size_t n = co_await read_server(asio::buffer(buffer), ec);
    if (m_closed) break;
    if (ec) {
      log::warn("read from server failed", {{"error", ec.message()}});
      m_session.on_server_lost(ec == asio::error::eof ? "the server closed the connection" : ec.message(), out);
      co_await apply(out);
      break;
    }
    const bool was_ready = m_session.ready();
    m_session.on_server_data(std::string_view(buffer.data(), n), out);
    if (!was_ready && m_session.ready()) m_startup_timer.cancel();
    co_await apply(out);
    if (m_draining) maybe_finish_drain();
  }
  close();
}

}  // namespace pgwarden::proxy
