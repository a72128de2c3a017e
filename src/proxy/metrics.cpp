// Rendering the metrics in the Prometheus text exposition format 0.0.4: per family a `# HELP`
// and a `# TYPE` line, then one `name{label="value"} number` line per series. Histograms are
// cumulative `_bucket{le="..."}` series ending in `le="+Inf"`, then `_sum` and `_count`.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
//
// Counters are read one by one with relaxed loads while other threads keep counting, so a page
// is not a snapshot of one instant; each series is still exact and never goes backwards, which is
// all Prometheus asks of a counter.
#include "proxy/metrics.hpp"

#include <fmt/format.h>

#include <iterator>

namespace pgwarden::proxy {
namespace {

constexpr std::array<std::string_view, k_refused_reason_count> k_refused_reason_names = {
    "startup_timeout", "protocol", "replication", "upstream_unavailable", "tls", "limit"};
constexpr std::array<std::string_view, k_lookup_result_count> k_lookup_result_names = {
    "hit", "miss", "error"};
constexpr std::array<std::string_view, k_direction_count> k_direction_names = {"client_to_server",
                                                                               "server_to_client"};
constexpr std::array<std::string_view, 2> k_reload_result_names = {"ok", "error"};

// A label value may hold any UTF-8; backslash, double quote and line feed are escaped.
std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Page {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(m_text), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }
  template <typename Value>
  void sample(std::string_view name, Value value) {
    fmt::format_to(std::back_inserter(m_text), "{} {}\n", name, value);
  }
  template <typename Value>
  void sample(std::string_view name, std::string_view label, std::string_view label_value,
              Value value) {
    fmt::format_to(std::back_inserter(m_text), "{}{{{}=\"{}\"}} {}\n", name, label,
                   escape_label_value(label_value), value);
  }
  void histogram(std::string_view name, std::string_view help, const HistogramSnapshot& h) {
    family(name, "histogram", help);
    const std::string bucket = fmt::format("{}_bucket", name);
    for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
      // fmt's shortest round-trip form ("5e-06", "0.0001", "1") is also what Go's client writes.
      sample(bucket, "le", fmt::format("{}", h.upper_bounds[i]), h.cumulative[i]);
    }
    sample(bucket, "le", "+Inf", h.count);
    sample(fmt::format("{}_sum", name), h.sum_seconds);
    sample(fmt::format("{}_count", name), h.count);
  }
  std::string take() { return std::move(m_text); }

 private:
  std::string m_text;
};

}  // namespace

Histogram::Histogram(std::span<const double> upper_bounds)
    : m_bounds(upper_bounds.begin(), upper_bounds.end()), m_counts(upper_bounds.size() + 1) {}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.upper_bounds = m_bounds;
  s.cumulative.reserve(m_counts.size());
  for (const auto& c : m_counts) {
    s.count += c.load(std::memory_order_relaxed);
    s.cumulative.push_back(s.count);
  }
  s.sum_seconds = static_cast<double>(m_sum_ns.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

Metrics::Metrics(std::span<const std::string_view> action_names)
    : m_action_names(action_names.begin(), action_names.end()),
      m_refusals(action_names.size()),
      m_warnings(action_names.size()) {}

std::string Metrics::render() const {
  Page page;

  page.family("pgwarden_connections_total", "counter", "Client connections accepted.");
  page.sample("pgwarden_connections_total", connections_total());
  page.family("pgwarden_connections_active", "gauge", "Client connections open now.");
  page.sample("pgwarden_connections_active", connections_active());
  page.family("pgwarden_connections_refused_total", "counter",
              "Client connections closed before reaching the server, by reason.");
  for (std::size_t i = 0; i < k_refused_reason_count; ++i) {
    page.sample("pgwarden_connections_refused_total", "reason", k_refused_reason_names[i],
                read(m_refused[i]));
  }

  page.family("pgwarden_statements_total", "counter", "Statements judged.");
  page.sample("pgwarden_statements_total", statements());
  page.family("pgwarden_refusals_total", "counter", "Statements refused, by action.");
  for (std::size_t i = 0; i < m_action_names.size(); ++i) {
    if (const auto n = read(m_refusals[i]); n != 0)
      page.sample("pgwarden_refusals_total", "action", m_action_names[i], n);
  }
  page.family("pgwarden_warnings_total", "counter",
              "Statements let through with a warning, by action.");
  for (std::size_t i = 0; i < m_action_names.size(); ++i) {
    if (const auto n = read(m_warnings[i]); n != 0)
      page.sample("pgwarden_warnings_total", "action", m_action_names[i], n);
  }

  page.family("pgwarden_verdict_cache_hits_total", "counter",
              "Statements whose verdict came from the cache.");
  page.sample("pgwarden_verdict_cache_hits_total", cache_hits());
  page.family("pgwarden_verdict_cache_misses_total", "counter",
              "Statements analyzed because the cache missed.");
  page.sample("pgwarden_verdict_cache_misses_total", cache_misses());
  page.family("pgwarden_function_lookups_total", "counter",
              "Function bodies looked up on the server, by result.");
  for (std::size_t i = 0; i < k_lookup_result_count; ++i) {
    page.sample("pgwarden_function_lookups_total", "result", k_lookup_result_names[i],
                read(m_lookups[i]));
  }

  page.histogram("pgwarden_judge_seconds", "Time to judge one client message.", m_judge.snapshot());
  page.histogram("pgwarden_query_seconds",
                 "Time from a client message to the server's first response.", m_query.snapshot());

  page.family("pgwarden_policy_reloads_total", "counter", "Policy reloads, by result.");
  for (std::size_t i = 0; i < k_reload_result_names.size(); ++i) {
    page.sample("pgwarden_policy_reloads_total", "result", k_reload_result_names[i],
                read(m_reloads[i]));
  }
  page.family("pgwarden_policy_loaded_timestamp_seconds", "gauge",
              "Unix time at which the policy in force was loaded.");
  page.sample("pgwarden_policy_loaded_timestamp_seconds", policy_loaded_timestamp());

  page.family("pgwarden_bytes_total", "counter", "Bytes relayed, by direction.");
  for (std::size_t i = 0; i < k_direction_count; ++i) {
    page.sample("pgwarden_bytes_total", "direction", k_direction_names[i], read(m_bytes[i]));
  }
  return page.take();
}

}  // namespace pgwarden::proxy
