// The proxy's Prometheus metrics: what an operator graphs and alerts on.
//
// In: counts and durations from every connection thread (connections opened and refused,
// statements judged, refused and warned, verdict cache and function lookups, policy reloads,
// bytes relayed). Out: `render()`, the text exposition format 0.0.4 that the admin port serves
// at /metrics (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// One `Metrics` lives as long as the proxy process and is shared by every connection, so each
// increment is one relaxed atomic add: no lock, no allocation, no map lookup on the hot path.
// Labels come from closed sets — enums here, and the action names the caller passes once — so
// every labelled counter is an array indexed by the label. This file depends on nothing else in
// pgwarden; the caller maps its own action enum to an index.
#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::proxy {

// Why a client connection was closed before it could speak to the server.
enum class RefusedReason : unsigned char {
  startup_timeout,       // no complete startup packet in time
  protocol,              // the client broke the wire protocol
  replication,           // a replication connection, which the proxy does not pass
  upstream_unavailable,  // the server could not be reached
  tls,                   // the TLS handshake failed or TLS was required and not offered
  limit,                 // the connection limit was reached
};
inline constexpr std::size_t k_refused_reason_count = 6;

// The outcome of looking up a function's body on the server.
enum class LookupResult : unsigned char { hit, miss, error };
inline constexpr std::size_t k_lookup_result_count = 3;

enum class Direction : unsigned char { client_to_server, server_to_client };
inline constexpr std::size_t k_direction_count = 2;

// Bucket upper bounds, in seconds.
inline constexpr std::array<double, 12> k_judge_buckets = {5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4,
                                                           5e-4, 1e-3, 2.5e-3, 1e-2, 0.1,  1.0};
inline constexpr std::array<double, 12> k_query_buckets = {1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
                                                           1e-2, 2.5e-2, 0.1,  0.5,  1.0,    5.0};

// What a histogram held at one moment. `cumulative[i]` counts observations <= upper_bounds[i];
// the last element is the +Inf bucket and equals `count`.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;
  std::vector<std::uint64_t> cumulative;
  std::uint64_t count = 0;
  double sum_seconds = 0;
};

// A Prometheus histogram of durations. Each bucket counts only its own observations (so an
// observation is one add); the cumulative counts are summed when read. The sum is kept in whole
// nanoseconds so it too is one atomic add.
class Histogram {
 public:
  explicit Histogram(std::span<const double> upper_bounds);

  void observe(double seconds) {
    if (!(seconds >= 0)) seconds = 0;  // NaN or negative: a clock that stepped back
    std::size_t bucket = 0;
    while (bucket < m_bounds.size() && seconds > m_bounds[bucket]) ++bucket;
    m_counts[bucket].fetch_add(1, std::memory_order_relaxed);
    m_sum_ns.fetch_add(to_nanoseconds(seconds), std::memory_order_relaxed);
  }

  [[nodiscard]] HistogramSnapshot snapshot() const;

 private:
  static std::uint64_t to_nanoseconds(double seconds) {
    constexpr double k_max_seconds = 1e9;  // about 31 years: far from uint64 overflow
    return static_cast<std::uint64_t>(
        std::llround((seconds < k_max_seconds ? seconds : k_max_seconds) * 1e9));
  }

  std::vector<double> m_bounds;
  std::vector<std::atomic<std::uint64_t>> m_counts;  // one per bound, then the +Inf bucket
  std::atomic<std::uint64_t> m_sum_ns{0};
};

class Metrics {
 public:
  // `action_names[i]` is the `action` label of refusal(i) and warning(i); the names are copied.
  explicit Metrics(std::span<const std::string_view> action_names);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Recording; safe from any thread.
  void connection_opened() {
    add(m_connections);
    m_connections_active.fetch_add(1, std::memory_order_relaxed);
  }
  void connection_closed() { m_connections_active.fetch_sub(1, std::memory_order_relaxed); }
  void refused_connection(RefusedReason reason) {
    add(m_refused[static_cast<std::size_t>(reason)]);
  }
  void statement_judged() { add(m_statements); }
  void refusal(std::size_t action_index) { add_action(m_refusals, action_index); }
  void warning(std::size_t action_index) { add_action(m_warnings, action_index); }
  void cache_hit() { add(m_cache_hits); }
  void cache_miss() { add(m_cache_misses); }
  void function_lookup(LookupResult result) { add(m_lookups[static_cast<std::size_t>(result)]); }
  void observe_judge(double seconds) { m_judge.observe(seconds); }
  void observe_query(double seconds) { m_query.observe(seconds); }
  // A failed reload keeps the old policy, so only a successful one moves the timestamp.
  void policy_reload(bool ok, double unix_time) {
    add(m_reloads[ok ? 0 : 1]);
    if (ok) m_policy_loaded.store(unix_time, std::memory_order_relaxed);
  }
  void bytes(Direction direction, std::uint64_t count) {
    m_bytes[static_cast<std::size_t>(direction)].fetch_add(count, std::memory_order_relaxed);
  }

  // The text exposition format 0.0.4. Action counters appear only for actions counted at least
  // once, to keep the page small; every other series always appears.
  [[nodiscard]] std::string render() const;

  // Reading, for tests and the admin port.
  [[nodiscard]] std::size_t action_count() const { return m_action_names.size(); }
  [[nodiscard]] std::uint64_t connections_total() const { return read(m_connections); }
  [[nodiscard]] std::int64_t connections_active() const {
    return m_connections_active.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t refused_connections(RefusedReason reason) const {
    return read(m_refused[static_cast<std::size_t>(reason)]);
  }
  [[nodiscard]] std::uint64_t statements() const { return read(m_statements); }
  [[nodiscard]] std::uint64_t refusals(std::size_t action_index) const {
    return read(m_refusals.at(action_index));
  }
  [[nodiscard]] std::uint64_t warnings(std::size_t action_index) const {
    return read(m_warnings.at(action_index));
  }
  [[nodiscard]] std::uint64_t cache_hits() const { return read(m_cache_hits); }
  [[nodiscard]] std::uint64_t cache_misses() const { return read(m_cache_misses); }
  [[nodiscard]] std::uint64_t function_lookups(LookupResult result) const {
    return read(m_lookups[static_cast<std::size_t>(result)]);
  }
  [[nodiscard]] HistogramSnapshot judge_seconds() const { return m_judge.snapshot(); }
  [[nodiscard]] HistogramSnapshot query_seconds() const { return m_query.snapshot(); }
  [[nodiscard]] std::uint64_t policy_reloads(bool ok) const { return read(m_reloads[ok ? 0 : 1]); }
  [[nodiscard]] double policy_loaded_timestamp() const {
    return m_policy_loaded.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t bytes_total(Direction direction) const {
    return read(m_bytes[static_cast<std::size_t>(direction)]);
  }

 private:
  using Counter = std::atomic<std::uint64_t>;
  static_assert(Counter::is_always_lock_free);
  static_assert(std::atomic<double>::is_always_lock_free);

  static void add(Counter& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
  static std::uint64_t read(const Counter& counter) {
    return counter.load(std::memory_order_relaxed);
  }
  static void add_action(std::vector<Counter>& counters, std::size_t action_index) {
    assert(action_index < counters.size());
    if (action_index < counters.size()) add(counters[action_index]);
  }

  std::vector<std::string> m_action_names;
  Counter m_connections{0};
  std::atomic<std::int64_t> m_connections_active{0};
  std::array<Counter, k_refused_reason_count> m_refused{};
  Counter m_statements{0};
  std::vector<Counter> m_refusals;  // by action index
  std::vector<Counter> m_warnings;  // by action index
  Counter m_cache_hits{0};
  Counter m_cache_misses{0};
  std::array<Counter, k_lookup_result_count> m_lookups{};
  Histogram m_judge{k_judge_buckets};
  Histogram m_query{k_query_buckets};
  std::array<Counter, 2> m_reloads{};  // ok, error
  std::atomic<double> m_policy_loaded{0};
  std::array<Counter, k_direction_count> m_bytes{};
};

}  // namespace pgwarden::proxy
