// The metrics page as a Prometheus scraper reads it: every line parses, every series belongs to a
// family declared by # HELP and # TYPE, counters show exactly what was counted, histogram
// buckets are cumulative with _count equal to the +Inf bucket, and counting from several threads
// at once loses nothing.
#include "proxy/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pgwarden::proxy {
namespace {

constexpr std::array<std::string_view, 4> k_actions = {"drop_table", "truncate", "delete_all",
                                                       "alter_column_type"};

struct Family {
  std::string type;
  bool help = false;
};

// A page, parsed the way the text format defines it. Lines that do not fit fail the test.
struct Page {
  std::vector<std::string> lines;
  std::map<std::string, Family> families;
  std::map<std::string, double> samples;  // `name{labels}` -> value

  [[nodiscard]] bool has(const std::string& series) const { return samples.contains(series); }
  [[nodiscard]] double at(const std::string& series) const {
    const auto it = samples.find(series);
    if (it == samples.end()) {
      ADD_FAILURE() << "no series " << series;
      return -1;
    }
    return it->second;
  }
  [[nodiscard]] bool has_line(const std::string& line) const {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  }
};

// The family a series belongs to: a histogram's _bucket, _sum and _count belong to it.
std::string family_of(const std::string& name, const std::map<std::string, Family>& families) {
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.ends_with(suffix)) {
      auto base = name.substr(0, name.size() - suffix.size());
      const auto it = families.find(base);
      if (it != families.end() && it->second.type == "histogram") return base;
    }
  }
  return name;
}

Page parse(const std::string& text) {
  Page page;
  EXPECT_TRUE(text.ends_with('\n'));
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    page.lines.push_back(line);
    if (line.starts_with("# HELP ")) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_FALSE(page.families[name].help) << "second HELP for " << name;
      EXPECT_TRUE(page.families[name].type.empty()) << "HELP after TYPE for " << name;
      page.families[name].help = true;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      const auto rest = line.substr(7);
      const auto space = rest.find(' ');
      const auto name = rest.substr(0, space);
      const auto type = rest.substr(space + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      EXPECT_TRUE(page.families[name].type.empty()) << "second TYPE for " << name;
      page.families[name].type = type;
      continue;
    }
    const auto space = line.rfind(' ');
    if (space == std::string::npos) {
      ADD_FAILURE() << "not a sample: " << line;
      continue;
    }
    const auto series = line.substr(0, space);
    const auto value_text = line.substr(space + 1);
    double value = 0;
    const auto [end, ec] =
        std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    EXPECT_TRUE(ec == std::errc() && end == value_text.data() + value_text.size()) << line;
    const auto name = series.substr(0, series.find('{'));
    const auto family = family_of(name, page.families);
    EXPECT_FALSE(page.families[family].type.empty()) << "sample before its TYPE: " << line;
    if (page.families[family].type == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << line;
    }
    EXPECT_FALSE(page.samples.contains(series)) << "series twice: " << series;
    page.samples[series] = value;
  }
  return page;
}

TEST(Metrics, AFreshPageDeclaresEveryFamilyAndEverySampleParses) {
  const Metrics m(k_actions);
  const auto page = parse(m.render());
  const std::map<std::string, std::string> expected = {
      {"pgwarden_connections_total", "counter"},
      {"pgwarden_connections_active", "gauge"},
      {"pgwarden_connections_refused_total", "counter"},
      {"pgwarden_statements_total", "counter"},
      {"pgwarden_refusals_total", "counter"},
      {"pgwarden_warnings_total", "counter"},
      {"pgwarden_verdict_cache_hits_total", "counter"},
      {"pgwarden_verdict_cache_misses_total", "counter"},
      {"pgwarden_function_lookups_total", "counter"},
      {"pgwarden_judge_seconds", "histogram"},
      {"pgwarden_query_seconds", "histogram"},
      {"pgwarden_policy_reloads_total", "counter"},
      {"pgwarden_policy_loaded_timestamp_seconds", "gauge"},
      {"pgwarden_bytes_total", "counter"},
  };
  ASSERT_EQ(page.families.size(), expected.size());
  for (const auto& [name, type] : expected) {
    ASSERT_TRUE(page.families.contains(name)) << name;
    EXPECT_EQ(page.families.at(name).type, type) << name;
    EXPECT_TRUE(page.families.at(name).help) << name;
  }
  for (const auto& [series, value] : page.samples) EXPECT_EQ(value, 0) << series;
  // Action counters appear only once counted; the closed label sets always appear.
  for (const auto& [series, value] : page.samples)
    EXPECT_FALSE(series.starts_with("pgwarden_refusals_total")) << series;
  EXPECT_TRUE(page.has("pgwarden_connections_refused_total{reason=\"startup_timeout\"}"));
  EXPECT_TRUE(page.has("pgwarden_function_lookups_total{result=\"error\"}"));
  EXPECT_TRUE(page.has("pgwarden_bytes_total{direction=\"server_to_client\"}"));
}

TEST(Metrics, CountersAndGaugesShowExactlyWhatWasCounted) {
  Metrics m(k_actions);
  for (int i = 0; i < 3; ++i) m.connection_opened();
  m.connection_closed();
  m.refused_connection(RefusedReason::limit);
  m.refused_connection(RefusedReason::limit);
  m.refused_connection(RefusedReason::tls);
  for (int i = 0; i < 7; ++i) m.statement_judged();
  m.cache_hit();
  m.cache_hit();
  m.cache_miss();
  m.function_lookup(LookupResult::hit);
  m.function_lookup(LookupResult::error);
  m.bytes(Direction::client_to_server, 1000);
  m.bytes(Direction::client_to_server, 24);
  m.bytes(Direction::server_to_client, 5);

  const auto page = parse(m.render());
  EXPECT_TRUE(page.has_line("pgwarden_connections_total 3"));
  EXPECT_TRUE(page.has_line("pgwarden_connections_active 2"));
  EXPECT_TRUE(page.has_line("pgwarden_connections_refused_total{reason=\"limit\"} 2"));
  EXPECT_TRUE(page.has_line("pgwarden_connections_refused_total{reason=\"tls\"} 1"));
  EXPECT_TRUE(page.has_line("pgwarden_connections_refused_total{reason=\"protocol\"} 0"));
  EXPECT_TRUE(page.has_line("pgwarden_statements_total 7"));
  EXPECT_TRUE(page.has_line("pgwarden_verdict_cache_hits_total 2"));
  EXPECT_TRUE(page.has_line("pgwarden_verdict_cache_misses_total 1"));
  EXPECT_TRUE(page.has_line("pgwarden_function_lookups_total{result=\"hit\"} 1"));
  EXPECT_TRUE(page.has_line("pgwarden_function_lookups_total{result=\"miss\"} 0"));
  EXPECT_TRUE(page.has_line("pgwarden_function_lookups_total{result=\"error\"} 1"));
  EXPECT_TRUE(page.has_line("pgwarden_bytes_total{direction=\"client_to_server\"} 1024"));
  EXPECT_TRUE(page.has_line("pgwarden_bytes_total{direction=\"server_to_client\"} 5"));
  EXPECT_EQ(m.connections_active(), 2);
  EXPECT_EQ(m.refused_connections(RefusedReason::limit), 2U);
}

TEST(Metrics, RefusalsAndWarningsAreListedOnlyForActionsCounted) {
  Metrics m(k_actions);
  m.refusal(0);
  m.refusal(0);
  m.refusal(2);
  m.warning(3);

  const auto page = parse(m.render());
  EXPECT_TRUE(page.has_line("pgwarden_refusals_total{action=\"drop_table\"} 2"));
  EXPECT_TRUE(page.has_line("pgwarden_refusals_total{action=\"delete_all\"} 1"));
  EXPECT_FALSE(page.has("pgwarden_refusals_total{action=\"truncate\"}"));
  EXPECT_FALSE(page.has("pgwarden_refusals_total{action=\"alter_column_type\"}"));
  EXPECT_TRUE(page.has_line("pgwarden_warnings_total{action=\"alter_column_type\"} 1"));
  EXPECT_FALSE(page.has("pgwarden_warnings_total{action=\"drop_table\"}"));
  EXPECT_EQ(m.refusals(0), 2U);
  EXPECT_EQ(m.refusals(1), 0U);
  EXPECT_EQ(m.warnings(3), 1U);
}

TEST(Metrics, LabelValuesAreEscaped) {
  constexpr std::array<std::string_view, 1> k_odd = {"a\"b\\c\nd"};
  Metrics m(k_odd);
  m.refusal(0);
  EXPECT_TRUE(parse(m.render()).has_line(R"(pgwarden_refusals_total{action="a\"b\\c\nd"} 1)"));
}

TEST(Metrics, HistogramRendersCumulativeBucketsThenSumAndCount) {
  Metrics m(k_actions);
  m.observe_judge(3e-6);  // le 5e-06
  m.observe_judge(1e-5);  // exactly on a bound: le 1e-05
  m.observe_judge(2e-4);  // le 0.00025
  m.observe_judge(5);     // only +Inf

  const auto text = m.render();
  const std::string expected_block =
      "# HELP pgwarden_judge_seconds Time to judge one client message.\n"
      "# TYPE pgwarden_judge_seconds histogram\n"
      "pgwarden_judge_seconds_bucket{le=\"5e-06\"} 1\n"
      "pgwarden_judge_seconds_bucket{le=\"1e-05\"} 2\n"
      "pgwarden_judge_seconds_bucket{le=\"2.5e-05\"} 2\n"
      "pgwarden_judge_seconds_bucket{le=\"5e-05\"} 2\n"
      "pgwarden_judge_seconds_bucket{le=\"0.0001\"} 2\n"
      "pgwarden_judge_seconds_bucket{le=\"0.00025\"} 3\n"
      "pgwarden_judge_seconds_bucket{le=\"0.0005\"} 3\n"
      "pgwarden_judge_seconds_bucket{le=\"0.001\"} 3\n"
      "pgwarden_judge_seconds_bucket{le=\"0.0025\"} 3\n"
      "pgwarden_judge_seconds_bucket{le=\"0.01\"} 3\n"
      "pgwarden_judge_seconds_bucket{le=\"0.1\"} 3\n"
      "pgwarden_judge_seconds_bucket{le=\"1\"} 3\n"
      "pgwarden_judge_seconds_bucket{le=\"+Inf\"} 4\n"
      "pgwarden_judge_seconds_sum 5.000213\n"
      "pgwarden_judge_seconds_count 4\n";
  EXPECT_NE(text.find(expected_block), std::string::npos) << text;

  const auto page = parse(text);
  EXPECT_TRUE(page.has_line("pgwarden_query_seconds_count 0"));
  EXPECT_TRUE(page.has_line("pgwarden_query_seconds_bucket{le=\"+Inf\"} 0"));
}

// What a scraper relies on for any histogram: buckets never decrease and end at _count.
void expect_well_formed(const Page& page, const std::string& name,
                        const std::vector<std::string>& bounds) {
  double previous = 0;
  for (const auto& le : bounds) {
    const auto value = page.at(name + "_bucket{le=\"" + le + "\"}");
    EXPECT_GE(value, previous) << name << " le=" << le;
    previous = value;
  }
  EXPECT_EQ(page.at(name + "_bucket{le=\"+Inf\"}"), page.at(name + "_count"));
  EXPECT_GE(page.at(name + "_count"), previous);
}

TEST(Metrics, QueryHistogramBucketsAreCumulative) {
  Metrics m(k_actions);
  for (const double s : {0.00005, 0.0003, 0.0003, 0.004, 0.02, 0.3, 0.3, 0.7, 3.0, 60.0})
    m.observe_query(s);
  const auto page = parse(m.render());
  const std::vector<std::string> bounds = {"0.0001", "0.00025", "0.0005", "0.001",
                                           "0.0025", "0.005",   "0.01",   "0.025",
                                           "0.1",    "0.5",     "1",      "5"};
  expect_well_formed(page, "pgwarden_query_seconds", bounds);
  EXPECT_EQ(page.at("pgwarden_query_seconds_bucket{le=\"0.0001\"}"), 1);
  EXPECT_EQ(page.at("pgwarden_query_seconds_bucket{le=\"0.0005\"}"), 3);
  EXPECT_EQ(page.at("pgwarden_query_seconds_bucket{le=\"0.5\"}"), 7);
  EXPECT_EQ(page.at("pgwarden_query_seconds_bucket{le=\"5\"}"), 9);
  EXPECT_EQ(page.at("pgwarden_query_seconds_count"), 10);
  EXPECT_NEAR(page.at("pgwarden_query_seconds_sum"), 64.32465, 1e-9);
}

TEST(Metrics, NegativeOrNanDurationsCountAsZero) {
  Metrics m(k_actions);
  m.observe_judge(-1);
  m.observe_judge(std::numeric_limits<double>::quiet_NaN());
  const auto h = m.judge_seconds();
  EXPECT_EQ(h.cumulative.front(), 2U);
  EXPECT_EQ(h.count, 2U);
  EXPECT_EQ(h.sum_seconds, 0);
}

TEST(Metrics, AFailedReloadKeepsTheTimestampOfTheLastGoodOne) {
  Metrics m(k_actions);
  m.policy_reload(true, 1700000000.5);
  m.policy_reload(false, 1700000100);
  const auto page = parse(m.render());
  EXPECT_TRUE(page.has_line("pgwarden_policy_reloads_total{result=\"ok\"} 1"));
  EXPECT_TRUE(page.has_line("pgwarden_policy_reloads_total{result=\"error\"} 1"));
  EXPECT_TRUE(page.has_line("pgwarden_policy_loaded_timestamp_seconds 1700000000.5"));
}

TEST(Metrics, ConcurrentIncrementsFromFourThreadsAllCount) {
  Metrics m(k_actions);
  constexpr int k_threads = 4;
  constexpr int k_per_thread = 100000;
  std::vector<std::thread> threads;
  threads.reserve(k_threads);
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < k_per_thread; ++i) {
        m.connection_opened();
        m.statement_judged();
        m.refusal(static_cast<std::size_t>(t % 2));
        m.bytes(Direction::client_to_server, 3);
        m.observe_judge(1e-5);  // 10 microseconds: sums exactly in nanoseconds
        m.connection_closed();
      }
    });
  }
  // Rendering while the threads count must stay well formed.
  for (int i = 0; i < 20; ++i) {
    const auto page = parse(m.render());
    EXPECT_EQ(page.at("pgwarden_judge_seconds_bucket{le=\"+Inf\"}"),
              page.at("pgwarden_judge_seconds_count"));
  }
  for (auto& t : threads) t.join();

  constexpr auto k_total = static_cast<std::uint64_t>(k_threads) * k_per_thread;
  EXPECT_EQ(m.connections_total(), k_total);
  EXPECT_EQ(m.connections_active(), 0);
  EXPECT_EQ(m.statements(), k_total);
  EXPECT_EQ(m.refusals(0), k_total / 2);
  EXPECT_EQ(m.refusals(1), k_total / 2);
  EXPECT_EQ(m.bytes_total(Direction::client_to_server), 3 * k_total);
  const auto page = parse(m.render());
  EXPECT_EQ(page.at("pgwarden_judge_seconds_bucket{le=\"1e-05\"}"), static_cast<double>(k_total));
  EXPECT_EQ(page.at("pgwarden_judge_seconds_count"), static_cast<double>(k_total));
  EXPECT_EQ(page.at("pgwarden_judge_seconds_sum"), 4.0);
  EXPECT_TRUE(page.has_line("pgwarden_statements_total 400000"));
}

}  // namespace
}  // namespace pgwarden::proxy
