#include "proxy/proxy.hpp"

#include <csignal>
#include <ctime>

#include <fmt/format.h>

#include "policy/load.hpp"
#include "proxy/admin_server.hpp"
#include "proxy/connection.hpp"
#include "pq/libpq.hpp"
#include "proxy/log.hpp"
#include "proxy/replies.hpp"

namespace pgwarden::proxy {
namespace {

using tcp = asio::ip::tcp;

std::vector<std::string_view> action_names() {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < sql::k_action_count; ++i) names.push_back(sql::to_string(static_cast<sql::Action>(i)));
  return names;
}

Expected<std::shared_ptr<const policy::Policy>> load(const std::string& path) {
  std::optional<std::filesystem::path> explicit_path;
  if (!path.empty()) explicit_path = path;
  auto policy = policy::resolve_policy(explicit_path, std::filesystem::current_path());
  if (!policy) return tl::unexpected(policy.error());
  return std::make_shared<const policy::Policy>(std::move(*policy));
}

double unix_now() { return static_cast<double>(std::time(nullptr)); }

}  // namespace

Proxy::Proxy(ProxyConfig config) : m_config(std::move(config)) {}

Proxy::~Proxy() {
  stop();
  wait();
}

Expected<std::unique_ptr<Proxy>> Proxy::create(ProxyConfig config) {
  std::unique_ptr<Proxy> p(new Proxy(std::move(config)));
  auto& c = p->m_config;
  auto policy = load(c.policy);
  if (!policy) return tl::unexpected(policy.error());
  p->m_engine = std::make_shared<const Engine>(std::move(*policy));
  p->m_metrics = std::make_unique<Metrics>(action_names());
  p->m_metrics->policy_reload(true, unix_now());
  p->m_analyzer = std::make_unique<sql::Analyzer>(c.verdict_cache);
  if (!c.record.empty()) {
    auto sink = audit::JsonLinesFile::open(c.record);
    if (!sink) return tl::unexpected(sink.error());
    p->m_record = std::move(*sink);
  }
  if (!c.lookup.empty()) {
    if (std::string why; pq::libpq(&why) == nullptr) return make_error("--lookup needs libpq: " + why);
    p->m_catalog = std::make_unique<RoutineCatalog>();
    p->m_relations = std::make_unique<RelationCatalogs>(Upstream{c.upstream.host, c.upstream.port});
    Proxy* proxy = p.get();
    // Whether the policy protects a name, by the policy in force when the relations are read.
    auto protects = [proxy](const sql::ObjectName& name) { return proxy->engine()->protects(name); };
    auto protects_column = [proxy](const sql::ObjectName& table, const std::string& column) {
      return proxy->engine()->protects_column(table, column);
    };
    auto registry = [proxy]() { return proxy->engine()->policy().db.schema; };
    p->m_lookup = std::make_unique<RoutineLookup>(lookup_conninfo(c), *p->m_catalog, *p->m_relations,
                                                  std::move(protects), std::move(protects_column),
                                                  std::move(registry), *p->m_metrics);
  }
  if (!c.tls_cert.empty()) {
    p->m_client_tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    asio::error_code ec;
    p->m_client_tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                                 asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                                 asio::ssl::context::no_tlsv1_1);
    p->m_client_tls->use_certificate_chain_file(c.tls_cert, ec);
    if (ec) return tl::unexpected(Error{"cannot read the TLS certificate: " + ec.message(), c.tls_cert});
    p->m_client_tls->use_private_key_file(c.tls_key, asio::ssl::context::pem, ec);
    if (ec) return tl::unexpected(Error{"cannot read the TLS key: " + ec.message(), c.tls_key});
  }
  if (c.upstream_tls != UpstreamTls::disable) {
    p->m_upstream_tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    asio::error_code ec;
    if (c.upstream_tls == UpstreamTls::verify_full) {
      if (c.upstream_ca.empty()) {
        p->m_upstream_tls->set_default_verify_paths(ec);
      } else {
        p->m_upstream_tls->load_verify_file(c.upstream_ca, ec);
      }
      if (ec) return tl::unexpected(Error{"cannot read the upstream CA: " + ec.message(), c.upstream_ca});
    } else {
      p->m_upstream_tls->set_verify_mode(asio::ssl::verify_none);
    }
  }
  return p;
}

std::shared_ptr<const Engine> Proxy::engine() const {
  const std::lock_guard lock(m_engine_mutex);
  return m_engine;
}

JudgeContext Proxy::judge_context() {
  return JudgeContext{m_analyzer.get(), m_record.get(), m_metrics.get(), m_catalog.get(), m_relations.get()};
}

Admission Proxy::admit(const ConnectionInfo& info, bool replication) {
  Admission a = engine()->admit(info, replication);
  if (!a.allowed) {
    m_metrics->refused_connection(RefusedReason::replication);
    log::info("connection refused", {{"user", info.user}, {"database", info.database}, {"why", a.why}});
  }
  return a;
}

Expected<void> Proxy::start() {
  unsigned threads = m_config.threads != 0 ? m_config.threads : std::max(1U, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) {
    m_contexts.push_back(std::make_unique<asio::io_context>(1));
    m_work.push_back(asio::make_work_guard(*m_contexts.back()));
  }
  auto& first = *m_contexts.front();
  for (const auto& l : m_config.listen) {
    try {
      tcp::resolver resolver(first);
      const auto results = resolver.resolve(l.host, std::to_string(l.port), tcp::resolver::passive);
      for (const auto& r : results) {
        auto acceptor = std::make_unique<tcp::acceptor>(first);
        acceptor->open(r.endpoint().protocol());
        acceptor->set_option(tcp::acceptor::reuse_address(true));
        acceptor->bind(r.endpoint());
        acceptor->listen(asio::socket_base::max_listen_connections);
        m_acceptors.push_back(std::move(acceptor));
        break;
      }
    } catch (const std::system_error& e) {
      return tl::unexpected(Error{fmt::format("cannot listen on {}: {}", l.to_string(), e.what())});
    }
  }
  if (m_acceptors.empty()) return tl::unexpected(Error{"nothing to listen on: give --listen host:port"});
  if (m_config.admin.port != 0 || !m_config.admin.host.empty()) {
    if (m_config.admin.port != 0) {
      try {
        const auto address = asio::ip::make_address(m_config.admin.host);
        m_admin = std::make_unique<AdminServer>(
            first, tcp::endpoint(address, m_config.admin.port), [this] { return m_metrics->render(); },
            [this] { return !draining(); });
      } catch (const std::system_error& e) {
        return tl::unexpected(Error{fmt::format("cannot serve the admin port on {}: {}", m_config.admin.to_string(), e.what())});
      }
    }
  }
  for (std::size_t i = 0; i < m_acceptors.size(); ++i) accept_on(i);
  watch_signals();
  for (auto& ctx : m_contexts) {
    m_threads.emplace_back([c = ctx.get()] { c->run(); });
  }
  if (!m_lookup) {
    log::warn("no lookup connection configured: pgwarden cannot see the bodies of user functions, triggers and "
              "rules, what existing views write through to, the children and partitions of existing parents, "
              "where foreign tables point, or a protected table renamed by another connection; each is judged by "
              "the statement's own text (set `lookup`, e.g. --lookup \"user=pgwarden_lookup password=...\": it "
              "connects to the upstream)");
  } else {
    log::info("lookup connection", {{"conninfo", redacted_conninfo(lookup_conninfo(m_config))}});
  }
  for (const auto& e : endpoints()) log::info("listening", {{"address", fmt::format("{}:{}", e.address().to_string(), e.port())}});
  if (m_admin) {
    const auto e = m_admin->local_endpoint();
    log::info("admin port", {{"address", fmt::format("{}:{}", e.address().to_string(), e.port())}});
  }
  return {};
}

void Proxy::accept_on(std::size_t listener) {
  auto& acceptor = *m_acceptors[listener];
  auto& target = *m_contexts[m_next_context.fetch_add(1) % m_contexts.size()];
  acceptor.async_accept(target, [this, listener](const asio::error_code& ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || draining()) return;
      log::warn("accept failed", {{"error", ec.message()}});
    } else {
      const std::uint64_t id = m_next_id.fetch_add(1);
      m_metrics->connection_opened();
      bool over = false;
      {
        const std::lock_guard lock(m_connections_mutex);
        over = m_connections.size() >= m_config.max_connections;
      }
      if (over) {
        m_metrics->refused_connection(RefusedReason::limit);
        m_metrics->connection_closed();
        auto s = std::make_shared<tcp::socket>(std::move(socket));
        auto reply = std::make_shared<std::string>();
        too_many_connections(*reply);
        asio::async_write(*s, asio::buffer(*reply), [s, reply](const asio::error_code&, std::size_t) {});
      } else {
        auto c = std::make_shared<Connection>(*this, std::move(socket), id);
        {
          const std::lock_guard lock(m_connections_mutex);
          m_connections.emplace(id, c);
        }
        c->start();
      }
    }
    if (!draining() && !m_stopped) accept_on(listener);
  });
}

void Proxy::connection_closed(std::uint64_t id) {
  m_metrics->connection_closed();
  const std::lock_guard lock(m_connections_mutex);
  m_connections.erase(id);
}

void Proxy::watch_signals() {
  m_signals = std::make_unique<asio::signal_set>(*m_contexts.front(), SIGHUP, SIGTERM, SIGINT);
  m_signals->async_wait([this](const asio::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      (void)reload();
      watch_signals();
      return;
    }
    log::info("draining", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    drain();
  });
}

Expected<void> Proxy::reload() {
  auto policy = load(m_config.policy);
  if (!policy) {
    m_metrics->policy_reload(false, unix_now());
    log::error("policy reload failed; the previous policy stays in force", {{"error", policy.error().to_string()}});
    return tl::unexpected(policy.error());
  }
  auto fresh = std::make_shared<const Engine>(std::move(*policy));
  {
    const std::lock_guard lock(m_engine_mutex);
    m_engine = std::move(fresh);
  }
  m_generation.fetch_add(1, std::memory_order_acq_rel);
  m_metrics->policy_reload(true, unix_now());
  log::info("policy reloaded", {{"policy", engine()->policy().source.empty() ? "built-in defaults" : engine()->policy().source}});
  return {};
}

std::vector<tcp::endpoint> Proxy::endpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& a : m_acceptors) out.push_back(a->local_endpoint());
  return out;
}

tcp::endpoint Proxy::admin_endpoint() const { return m_admin ? m_admin->local_endpoint() : tcp::endpoint{}; }

void Proxy::drain() {
  if (m_draining.exchange(true)) return;
  asio::post(*m_contexts.front(), [this] {
    for (auto& a : m_acceptors) {
      asio::error_code ec;
      a->close(ec);
    }
  });
  std::vector<std::shared_ptr<Connection>> live;
  {
    const std::lock_guard lock(m_connections_mutex);
    for (auto& [id, weak] : m_connections) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) {
    asio::post(c->executor(), [c] { c->drain(); });
  }
  // Whatever is still open after the drain timeout is closed; then the threads end.
  m_drain_thread = std::thread([this] {
    const auto until = std::chrono::steady_clock::now() + m_config.drain_timeout;
    while (std::chrono::steady_clock::now() < until) {
      {
        const std::lock_guard lock(m_connections_mutex);
        if (m_connections.empty()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
  });
}

void Proxy::stop() {
  if (m_stopped.exchange(true)) return;
  std::vector<std::shared_ptr<Connection>> live;
  {
    const std::lock_guard lock(m_connections_mutex);
    for (auto& [id, weak] : m_connections) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) asio::post(c->executor(), [c] { c->close(); });
  for (auto& ctx : m_contexts) {
    asio::post(*ctx, [this, raw = ctx.get()] {
      if (raw == m_contexts.front().get()) {
        for (auto& a : m_acceptors) {
          asio::error_code ec;
          a->close(ec);
        }
        if (m_signals) {
          asio::error_code ec;
          m_signals->cancel(ec);
        }
        if (m_admin) m_admin->stop();
      }
    });
  }
  for (auto& w : m_work) w.reset();
  if (m_lookup) m_lookup->stop();
}

void Proxy::wait() {
  for (auto& t : m_threads) {
    if (t.joinable()) t.join();
  }
  if (m_drain_thread.joinable() && m_drain_thread.get_id() != std::this_thread::get_id()) m_drain_thread.join();
}

}  // namespace pgwarden::proxy
