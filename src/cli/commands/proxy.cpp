// pgwarden proxy [--config FILE] [--listen HOST:PORT]... [--upstream HOST:PORT] [--policy FILE] ...
//
// Runs the wire door in the foreground until SIGTERM or SIGINT (drain) and reloads the policy on
// SIGHUP. Every setting can come from the config file or a flag; a flag overrides the file.
// Exit 0 after a drain, 2 on a configuration, policy or listen error.
#include <iostream>
#include <optional>
#include <string>

#include "cli/commands/commands.hpp"
#include "cli/run.hpp"
#include "proxy/config.hpp"
#include "proxy/log.hpp"
#include "proxy/proxy.hpp"

namespace pgwarden::cli {
namespace {

struct ProxyFlags {
  std::string config;
  std::vector<std::string> listen;
  std::string upstream;
  std::string policy;
  std::string record;
  std::string admin;
  std::string tls_cert;
  std::string tls_key;
  std::string upstream_tls;
  std::string upstream_ca;
  std::string lookup;
  std::string log_level;
  std::optional<unsigned> threads;
  std::optional<std::size_t> max_connections;
  std::optional<unsigned> startup_timeout_ms;
};

constexpr const char* k_footer = R"(
Examples:
  Guard a local PostgreSQL with the policy in this directory, no config file:
    pgwarden proxy --listen 127.0.0.1:6432 --upstream 127.0.0.1:5432 --policy pgwarden.toml
    psql "host=127.0.0.1 port=6432 dbname=app user=app"
  Everything from a file (see docs/proxy.md), one flag overridden:
    pgwarden proxy --config /etc/pgwarden/proxy.toml --log-level debug

Clients connect to the proxy exactly as to PostgreSQL: authentication (trust, md5,
SCRAM-SHA-256) is relayed to the server unchanged. Refused statements get ERROR 42501
with the policy in DETAIL and the safe alternative in HINT; the session stays usable.

Signals: SIGHUP reloads the policy file (a broken file keeps the old policy and logs why);
SIGTERM or SIGINT stop accepting, let open transactions finish (drain_timeout), then exit.
Logs: one logfmt line per event on standard error.)";

int run_proxy(const ProxyFlags& f) {
  proxy::ProxyConfig config;
  if (!f.config.empty()) {
    auto loaded = proxy::load_proxy_config(f.config);
    if (!loaded) {
      std::cerr << "pgwarden: error: " << loaded.error().to_string() << "\n";
      return k_exit_error;
    }
    config = std::move(*loaded);
  }
  const auto fail = [](const std::string& flag, const Error& e) {
    std::cerr << "pgwarden: error: " << flag << ": " << e.message << "\n";
    return k_exit_error;
  };
  if (!f.listen.empty()) {
    config.listen.clear();
    for (const auto& l : f.listen) {
      auto hp = proxy::parse_host_port(l);
      if (!hp) return fail("--listen", hp.error());
      config.listen.push_back(*hp);
    }
  }
  if (!f.upstream.empty()) {
    auto hp = proxy::parse_host_port(f.upstream);
    if (!hp) return fail("--upstream", hp.error());
    config.upstream = *hp;
  }
  if (!f.admin.empty()) {
    auto hp = proxy::parse_host_port(f.admin);
    if (!hp) return fail("--admin", hp.error());
    config.admin = *hp;
  }
  if (!f.upstream_tls.empty()) {
    auto mode = proxy::parse_upstream_tls(f.upstream_tls);
    if (!mode) return fail("--upstream-tls", mode.error());
    config.upstream_tls = *mode;
  }
  if (!f.policy.empty()) config.policy = f.policy;
  if (!f.record.empty()) config.record = f.record;
  if (!f.tls_cert.empty()) config.tls_cert = f.tls_cert;
  if (!f.tls_key.empty()) config.tls_key = f.tls_key;
  if (!f.upstream_ca.empty()) config.upstream_ca = f.upstream_ca;
  if (!f.lookup.empty()) config.lookup = f.lookup;
  if (!f.log_level.empty()) config.log_level = f.log_level;
  if (f.threads) config.threads = *f.threads;
  if (f.max_connections) config.max_connections = *f.max_connections;
  if (f.startup_timeout_ms) config.startup_timeout = std::chrono::milliseconds(*f.startup_timeout_ms);
  if (config.listen.empty()) config.listen.push_back({"127.0.0.1", 6432});
  if (config.upstream.port == 0) {
    std::cerr << "pgwarden: error: no upstream server: give --upstream HOST:PORT or `upstream` in the config file\n";
    return k_exit_error;
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    std::cerr << "pgwarden: error: --tls-cert and --tls-key are given together\n";
    return k_exit_error;
  }
  proxy::log::Level level{};
  if (!proxy::log::parse_level(config.log_level, level)) {
    std::cerr << "pgwarden: error: --log-level: expected debug, info, warn or error\n";
    return k_exit_error;
  }
  proxy::log::set_level(level);

  auto p = proxy::Proxy::create(config);
  if (!p) {
    std::cerr << "pgwarden: error: " << p.error().to_string() << "\n";
    return k_exit_error;
  }
  if (auto started = (*p)->start(); !started) {
    std::cerr << "pgwarden: error: " << started.error().to_string() << "\n";
    return k_exit_error;
  }
  (*p)->wait();
  proxy::log::info("stopped");
  return 0;
}

}  // namespace

void add_proxy(CLI::App& command, int& exit_code) {
  auto flags = std::make_shared<ProxyFlags>();
  command.footer(k_footer);
  command.add_option("--config", flags->config, "Proxy config file (TOML; flags override it)");
  command.add_option("--listen", flags->listen, "Address to accept clients on, HOST:PORT (repeatable; default 127.0.0.1:6432)");
  command.add_option("--upstream", flags->upstream, "The PostgreSQL server, HOST:PORT");
  command.add_option("--policy", flags->policy, "Policy file (default: ./pgwarden.toml or the nearest parent's)");
  command.add_option("--record", flags->record, "Append a JSON line for every refused or warned statement to this file");
  command.add_option("--admin", flags->admin, "Serve /metrics and /healthz on HOST:PORT");
  command.add_option("--tls-cert", flags->tls_cert, "Certificate (PEM) for TLS with clients");
  command.add_option("--tls-key", flags->tls_key, "Private key (PEM) for TLS with clients");
  command.add_option("--upstream-tls", flags->upstream_tls, "TLS to the server: disable, prefer (default), require, verify-full");
  command.add_option("--upstream-ca", flags->upstream_ca, "CA file for --upstream-tls verify-full");
  command.add_option("--lookup", flags->lookup,
                     "libpq settings (without dbname) for the connection that reads function bodies, e.g. \"user=pgwarden\"");
  command.add_option("--threads", flags->threads, "Worker threads (default: one per core)");
  command.add_option("--max-connections", flags->max_connections, "Client connections at most (default 2000)");
  command.add_option("--startup-timeout-ms", flags->startup_timeout_ms, "Time a client has to complete its startup (default 15000)");
  command.add_option("--log-level", flags->log_level, "debug, info (default), warn or error");
  command.callback([flags, &exit_code] { exit_code = run_proxy(*flags); });
}

}  // namespace pgwarden::cli
