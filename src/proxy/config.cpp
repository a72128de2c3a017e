#include "proxy/config.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace pgwarden::proxy {
namespace {

Error at(const toml::node& node, const std::string& source, std::string key, std::string message) {
  const auto& where = node.source().begin;
  return Error{std::move(message), source, static_cast<int>(where.line), static_cast<int>(where.column),
               std::move(key)};
}

// Reads the keys of one table, each once, and reports the keys nobody read.
class Table {
 public:
  Table(const toml::table& table, std::string prefix, const std::string& source)
      : m_table(table), m_prefix(std::move(prefix)), m_source(source) {}

  Expected<std::string> string(std::string_view key, std::string fallback) {
    const toml::node* n = take(key);
    if (n == nullptr) return fallback;
    if (!n->is_string()) return tl::unexpected(at(*n, m_source, name(key), "expected a string"));
    return n->as_string()->get();
  }
  Expected<std::int64_t> integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
    const toml::node* n = take(key);
    if (n == nullptr) return fallback;
    if (!n->is_integer()) return tl::unexpected(at(*n, m_source, name(key), "expected an integer"));
    const std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      return tl::unexpected(at(*n, m_source, name(key), fmt::format("must be between {} and {}", min, max)));
    }
    return v;
  }
  Expected<std::vector<std::string>> strings(std::string_view key) {
    const toml::node* n = take(key);
    if (n == nullptr) return std::vector<std::string>{};
    if (n->is_string()) return std::vector<std::string>{n->as_string()->get()};
    std::vector<std::string> out;
    if (const auto* arr = n->as_array()) {
      for (const auto& item : *arr) {
        if (!item.is_string()) return tl::unexpected(at(item, m_source, name(key), "expected strings"));
        out.push_back(item.as_string()->get());
      }
      return out;
    }
    return tl::unexpected(at(*n, m_source, name(key), "expected a string or an array of strings"));
  }
  const toml::table* table(std::string_view key) {
    const toml::node* n = take(key);
    return n == nullptr ? nullptr : n->as_table();
  }
  const toml::node* node(std::string_view key) { return take(key); }
  // An error for the first key that was not read.
  [[nodiscard]] std::optional<Error> unknown() const {
    for (const auto& [k, v] : m_table) {
      if (std::find(m_read.begin(), m_read.end(), std::string(k.str())) == m_read.end()) {
        return at(v, m_source, name(k.str()), "unknown key");
      }
    }
    return std::nullopt;
  }
  [[nodiscard]] std::string name(std::string_view key) const {
    return m_prefix.empty() ? std::string(key) : m_prefix + "." + std::string(key);
  }
  [[nodiscard]] const std::string& source() const { return m_source; }

 private:
  const toml::node* take(std::string_view key) {
    m_read.emplace_back(key);
    return m_table.get(key);
  }
  const toml::table& m_table;
  std::string m_prefix;
  const std::string& m_source;
  std::vector<std::string> m_read;
};

#define PGW_TRY(var, expr)                                  \
  auto var##_result = (expr);                               \
  if (!var##_result) return tl::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)

Expected<HostPort> host_port_at(Table& t, std::string_view key, const HostPort& fallback) {
  const toml::node* n = t.node(key);
  if (n == nullptr) return fallback;
  if (!n->is_string()) return tl::unexpected(at(*n, t.source(), t.name(key), "expected \"host:port\""));
  auto hp = parse_host_port(n->as_string()->get());
  if (!hp) return tl::unexpected(at(*n, t.source(), t.name(key), hp.error().message));
  return hp;
}

}  // namespace

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Expected<HostPort> parse_host_port(std::string_view text) {
  HostPort hp;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return make_error(fmt::format("\"{}\" is not [IPv6]:port", text));
    }
    hp.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error(fmt::format("\"{}\" has no :port", text));
    hp.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return make_error(fmt::format("\"{}\" has no valid port", text));
  }
  if (hp.host.empty()) hp.host = "0.0.0.0";
  hp.port = static_cast<std::uint16_t>(value);
  return hp;
}

Expected<UpstreamTls> parse_upstream_tls(std::string_view text) {
  if (text == "disable") return UpstreamTls::disable;
  if (text == "prefer") return UpstreamTls::prefer;
  if (text == "require") return UpstreamTls::require;
  if (text == "verify-full") return UpstreamTls::verify_full;
  return make_error(fmt::format("\"{}\" is not one of disable, prefer, require, verify-full", text));
}

Expected<ProxyConfig> parse_proxy_config(std::string_view text, const std::string& source) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return tl::unexpected(Error{std::string(e.description()), source, static_cast<int>(where.line),
                                static_cast<int>(where.column)});
  }
  ProxyConfig c;
  Table top(doc, "", source);
  PGW_TRY(listen, top.strings("listen"));
  for (const auto& l : listen) {
    auto hp = parse_host_port(l);
    if (!hp) return tl::unexpected(at(*top.node("listen"), source, "listen", hp.error().message));
    c.listen.push_back(*hp);
  }
  PGW_TRY(upstream, host_port_at(top, "upstream", c.upstream));
  c.upstream = upstream;
  PGW_TRY(policy, top.string("policy", ""));
  c.policy = policy;
  PGW_TRY(record, top.string("record", ""));
  c.record = record;
  PGW_TRY(admin, host_port_at(top, "admin", c.admin));
  c.admin = admin;
  PGW_TRY(threads, top.integer("threads", 0, 0, 256));
  c.threads = static_cast<unsigned>(threads);
  PGW_TRY(lookup, top.string("lookup", ""));
  c.lookup = lookup;
  PGW_TRY(log_level, top.string("log_level", "info"));
  if (log_level != "debug" && log_level != "info" && log_level != "warn" && log_level != "error") {
    return tl::unexpected(at(*top.node("log_level"), source, "log_level", "expected debug, info, warn or error"));
  }
  c.log_level = log_level;

  if (const toml::table* tls = top.table("tls")) {
    Table t(*tls, "tls", source);
    PGW_TRY(cert, t.string("cert", ""));
    PGW_TRY(key, t.string("key", ""));
    if (cert.empty() != key.empty()) {
      return tl::unexpected(at(*tls, source, "tls", "cert and key are set together"));
    }
    c.tls_cert = cert;
    c.tls_key = key;
    if (auto e = t.unknown()) return tl::unexpected(*e);
  }
  if (const toml::table* up = top.table("upstream_tls")) {
    Table t(*up, "upstream_tls", source);
    PGW_TRY(mode, t.string("mode", "prefer"));
    auto parsed = parse_upstream_tls(mode);
    if (!parsed) return tl::unexpected(at(*up, source, "upstream_tls.mode", parsed.error().message));
    c.upstream_tls = *parsed;
    PGW_TRY(ca, t.string("ca", ""));
    c.upstream_ca = ca;
    PGW_TRY(name, t.string("server_name", ""));
    c.upstream_server_name = name;
    if (auto e = t.unknown()) return tl::unexpected(*e);
  }
  if (const toml::table* limits = top.table("limits")) {
    Table t(*limits, "limits", source);
    PGW_TRY(max_connections, t.integer("max_connections", 2000, 1, 1000000));
    c.max_connections = static_cast<std::size_t>(max_connections);
    PGW_TRY(max_message, t.integer("max_message_bytes", std::int64_t{64} << 20, 1024, std::int64_t{1} << 30));
    c.max_message_bytes = static_cast<std::size_t>(max_message);
    PGW_TRY(startup, t.integer("startup_timeout_ms", 15000, 100, 3600000));
    c.startup_timeout = std::chrono::milliseconds(startup);
    PGW_TRY(connect, t.integer("connect_timeout_ms", 5000, 100, 3600000));
    c.connect_timeout = std::chrono::milliseconds(connect);
    PGW_TRY(drain, t.integer("drain_timeout_ms", 30000, 0, 3600000));
    c.drain_timeout = std::chrono::milliseconds(drain);
    PGW_TRY(cache, t.integer("verdict_cache", 20000, 0, 10000000));
    c.verdict_cache = static_cast<std::size_t>(cache);
    if (auto e = t.unknown()) return tl::unexpected(*e);
  }
  if (auto e = top.unknown()) return tl::unexpected(*e);
  return c;
}

namespace {

// The keywords of a libpq key=value connection string (values may be single-quoted, with
// backslash escapes), with their values.
std::vector<std::pair<std::string, std::string>> conninfo_pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  const auto space = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
  };
  for (;;) {
    space();
    if (i >= text.size()) return out;
    std::string key;
    while (i < text.size() && text[i] != '=' && text[i] != ' ' && text[i] != '\t') key.push_back(text[i++]);
    space();
    if (i >= text.size() || text[i] != '=') return out;
    ++i;
    space();
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      while (i < text.size() && text[i] != '\'') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value.push_back(text[i++]);
      }
      ++i;
    } else {
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value.push_back(text[i++]);
      }
    }
    out.emplace_back(std::move(key), std::move(value));
  }
}

std::string quoted(const std::string& v) {
  std::string out = "'";
  for (const char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

std::string lookup_conninfo(const ProxyConfig& config) {
  const std::string& given = config.lookup;
  if (given.rfind("postgres://", 0) == 0 || given.rfind("postgresql://", 0) == 0) return given;  // said in full
  const auto pairs = conninfo_pairs(given);
  const auto has = [&](std::string_view key) {
    for (const auto& [k, v] : pairs) {
      if (k == key) return true;
    }
    return false;
  };
  std::string out = given;
  // Where the clients' server is, unless the lookup says otherwise: a user gives the role and
  // its password, not the address again.
  if (!has("host") && !has("hostaddr")) out += " host=" + quoted(config.upstream.host);
  if (!has("port")) out += " port=" + std::to_string(config.upstream.port);
  if (!has("sslmode")) {
    switch (config.upstream_tls) {
      case UpstreamTls::disable: out += " sslmode=disable"; break;
      case UpstreamTls::prefer: out += " sslmode=prefer"; break;
      case UpstreamTls::require: out += " sslmode=require"; break;
      case UpstreamTls::verify_full:
        out += " sslmode=verify-full";
        if (!config.upstream_ca.empty() && !has("sslrootcert")) out += " sslrootcert=" + quoted(config.upstream_ca);
        break;
    }
  }
  return out;
}

std::string redacted_conninfo(const std::string& conninfo) {
  std::string out;
  for (const auto& [k, v] : conninfo_pairs(conninfo)) {
    if (!out.empty()) out += " ";
    out += k + "=" + (k == "password" ? std::string("***") : v);
  }
  return out.empty() ? conninfo : out;
}

Expected<ProxyConfig> load_proxy_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(Error{"cannot open the proxy config file", path});
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_proxy_config(ss.str(), path);
}

}  // namespace pgwarden::proxy
