// The proxy process: listeners, one io_context per thread, the policy snapshot every connection
// judges by, TLS contexts, the record, metrics, and the signals (SIGHUP reloads the policy,
// SIGTERM and SIGINT drain).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "audit/record.hpp"
#include "common/error.hpp"
#include "proxy/config.hpp"
#include "proxy/engine.hpp"
#include "proxy/lookup.hpp"
#include "proxy/metrics.hpp"
#include "proxy/session.hpp"

namespace pgwarden::proxy {

class Connection;
class AdminServer;

class Proxy {
 public:
  // Loads the policy, opens the record, prepares TLS; nothing listens yet.
  static Expected<std::unique_ptr<Proxy>> create(ProxyConfig config);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Binds the listeners and the admin port and starts the threads.
  Expected<void> start();
  // Blocks until the proxy has stopped (after a drain or stop()).
  void wait();
  // SIGTERM: stop accepting, let transactions finish, close; stop after drain_timeout at the latest.
  void drain();
  // Stops at once.
  void stop();
  // SIGHUP: reloads the policy file; a broken file keeps the old policy and says why.
  Expected<void> reload();

  [[nodiscard]] std::vector<asio::ip::tcp::endpoint> endpoints() const;
  [[nodiscard]] asio::ip::tcp::endpoint admin_endpoint() const;

  // For connections.
  [[nodiscard]] const ProxyConfig& config() const { return m_config; }
  asio::ssl::context* client_tls() { return m_client_tls.get(); }
  asio::ssl::context* upstream_tls() { return m_upstream_tls.get(); }
  [[nodiscard]] JudgeContext judge_context();
  Admission admit(const ConnectionInfo& info, bool replication);
  [[nodiscard]] std::uint64_t policy_generation() const { return m_generation.load(std::memory_order_acquire); }
  Metrics& metrics() { return *m_metrics; }
  RoutineLookup* lookup() { return m_lookup.get(); }
  [[nodiscard]] bool draining() const { return m_draining.load(std::memory_order_acquire); }
  void connection_closed(std::uint64_t id);

 private:
  explicit Proxy(ProxyConfig config);
  void accept_on(std::size_t listener);
  void watch_signals();
  [[nodiscard]] std::shared_ptr<const Engine> engine() const;

  ProxyConfig m_config;
  std::unique_ptr<Metrics> m_metrics;
  std::unique_ptr<sql::Analyzer> m_analyzer;
  std::unique_ptr<audit::RecordSink> m_record;
  std::unique_ptr<RoutineCatalog> m_catalog;
  std::unique_ptr<RelationCatalogs> m_relations;
  std::unique_ptr<RoutineLookup> m_lookup;  // null: routine bodies and relations are not looked up
  std::unique_ptr<asio::ssl::context> m_client_tls;
  std::unique_ptr<asio::ssl::context> m_upstream_tls;

  mutable std::mutex m_engine_mutex;
  std::shared_ptr<const Engine> m_engine;
  std::atomic<std::uint64_t> m_generation{1};

  std::vector<std::unique_ptr<asio::io_context>> m_contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
  std::vector<std::thread> m_threads;
  std::thread m_drain_thread;  // closes what the drain left open after drain_timeout
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> m_acceptors;
  std::unique_ptr<asio::signal_set> m_signals;
  std::unique_ptr<AdminServer> m_admin;
  std::atomic<std::size_t> m_next_context{0};
  std::atomic<std::uint64_t> m_next_id{1};
  std::atomic<bool> m_draining{false};
  std::atomic<bool> m_stopped{false};

  std::mutex m_connections_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> m_connections;
};

}  // namespace pgwarden::proxy
