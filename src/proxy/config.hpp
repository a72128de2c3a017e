// The proxy's operational settings: where to listen, where the server is, TLS, limits, the policy
// and the record. One TOML file (`pgwarden proxy --config proxy.toml`) or flags alone; flags
// override the file. The policy itself stays in pgwarden.toml: operations and policy change for
// different reasons and are owned by different people.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace pgwarden::proxy {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;
};
// "127.0.0.1:6432", "[::1]:6432", "localhost:5432", ":6432" (all addresses).
Expected<HostPort> parse_host_port(std::string_view text);

enum class UpstreamTls : unsigned char { disable, prefer, require, verify_full };
Expected<UpstreamTls> parse_upstream_tls(std::string_view text);

struct ProxyConfig {
  std::vector<HostPort> listen;
  HostPort upstream;
  std::string policy;             // the policy file; empty: ./pgwarden.toml or the nearest parent's
  std::string record;             // JSON-lines record file; empty: no record
  HostPort admin;                 // /metrics and /healthz; port 0: off
  unsigned threads = 0;           // 0: one per core
  // TLS towards clients: both set or neither.
  std::string tls_cert;
  std::string tls_key;
  // TLS towards the server.
  UpstreamTls upstream_tls = UpstreamTls::prefer;
  std::string upstream_ca;        // verify-full: the CA file; empty: the system's
  std::string upstream_server_name;  // verify-full: the name to check; empty: the upstream host
  // The function-body lookup connection (libpq keywords without dbname: the database is the
  // client's). Empty: bodies are not looked up, and calls of user functions are judged by
  // `on_unknown_function`.
  std::string lookup;
  // Limits.
  std::size_t max_connections = 2000;
  std::size_t max_message_bytes = std::size_t{64} << 20;
  std::chrono::milliseconds startup_timeout{15000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds drain_timeout{30000};
  std::size_t verdict_cache = 20000;  // statements of exact text whose analysis is kept
  std::string log_level = "info";     // debug, info, warn, error
};

// The lookup connection's conninfo: `lookup` with the upstream's host, port and TLS mode filled in
// where it does not give them (a URI is taken as it is).
std::string lookup_conninfo(const ProxyConfig& config);
// A conninfo for the log, its password replaced.
std::string redacted_conninfo(const std::string& conninfo);

// Reads a proxy config file. Errors name file, line, column and key.
Expected<ProxyConfig> load_proxy_config(const std::string& path);
Expected<ProxyConfig> parse_proxy_config(std::string_view text, const std::string& source);

}  // namespace pgwarden::proxy
