// What pgwarden's judgement costs, as a ratio to libpg_query's bare parse of the same text,
// measured in the same run (the machines are noisy; only ratios are compared).
//
//   bare      pg_query_parse(statement) + pg_query_free_parse_result
//   analyze   Analyzer without a cache: split, parse, transform, then policy::evaluate
//   cached    Analyzer with a cache keyed by exact statement text, every statement a hit,
//             then policy::Evaluator with its verdicts kept per analysis (what the proxy does
//             for repeated statements); for the corpus also in random order (no target): the
//             cache's entries are visited in another order than the one they were made in
//
// on an OLTP mix and on every statement of PostgreSQL 15's regression SQL (../shared).
// Targets (issue 2): analyze <= 2x bare, cached <= 0.1x bare. `make bench` runs it.
#include <benchmark/benchmark.h>
#include <pg_query.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "policy/evaluate.hpp"
#include "policy/evaluator.hpp"
#include "policy/load.hpp"
#include "policy/presets.hpp"
#include "raw_walk.h"
#include "sql/analyzer.hpp"
#include "sql/split.hpp"

namespace {

using namespace pgwarden;


const std::vector<std::string>& oltp_statements() {
  static const std::vector<std::string> all = {
      "SELECT id, email, status FROM users WHERE id = $1",
      "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1",
      "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
      "SELECT count(*) FROM sessions WHERE user_id = $1 AND expires_at > now()",
      "INSERT INTO orders (customer_id, total, status) VALUES ($1, $2, 'new') RETURNING id",
      "INSERT INTO ledger_entries (account_id, amount, memo) VALUES ($1, $2, $3)",
      "UPDATE orders SET status = 'paid', updated_at = now() WHERE id = $1",
      "UPDATE users SET email = $2, updated_at = now() WHERE id = $1",
      "DELETE FROM sessions WHERE id = $1",
      "DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2",
      "INSERT INTO inventory (sku, qty) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET qty = inventory.qty + excluded.qty",
      "BEGIN",
      "COMMIT",
      "SELECT p.id, p.name, p.price FROM products p WHERE p.category_id = $1 AND p.active ORDER BY p.name LIMIT 50 OFFSET $2",
      "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '1 day') SELECT status, count(*) FROM recent GROUP BY status",
      "SELECT u.id, u.email FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = u.id)",
      "UPDATE inventory SET qty = qty - $2 WHERE sku = $1 AND qty >= $2",
      "SELECT set_config('app.tenant', $1, true)",
      "INSERT INTO audit_log (actor, action, at) VALUES ($1, $2, now())",
      "SELECT id FROM jobs WHERE state = 'ready' ORDER BY priority LIMIT 1 FOR UPDATE SKIP LOCKED",
  };
  return all;
}

// Every statement of the regression corpus that libpg_query parses, as pgwarden splits them.
const std::vector<std::string>& corpus_statements() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    const std::filesystem::path dir = std::filesystem::path(PGWARDEN_SHARED_DIR) / "corpus" / "pg15-regress";
    if (!std::filesystem::is_directory(dir)) return out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".sql") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      sql::SplitOptions options;
      options.psql_meta_commands = true;
      for (const auto& c : sql::split_statements(s, options)) {
        std::string statement = s.substr(c.begin, c.end - c.begin);
        PgQueryParseResult r = pg_query_parse(statement.c_str());
        const bool ok = r.error == nullptr;
        pg_query_free_parse_result(r);
        if (ok) out.push_back(std::move(statement));
      }
    }
    return out;
  }();
  return all;
}

const policy::Policy& bench_policy() {
  // The policy `pgwarden init --preset immutable-ledger` writes: append-only ledgers, audit
  // logs, a soft-delete users table, immutable id and created_at.
  static const policy::Policy p = *policy::parse_policy(policy::find_preset("immutable-ledger")->toml, "bench.toml");
  return p;
}

bool usable(benchmark::State& state, const std::vector<std::string>& statements) {
  if (!statements.empty()) return true;
  state.SkipWithError("the shared regression corpus (../shared/corpus/pg15-regress) is absent: skipped");
  return false;
}

void bare_parse(benchmark::State& state, const std::vector<std::string>& statements) {
  if (!usable(state, statements)) return;
  for (auto _ : state) {
    for (const auto& s : statements) {
      PgQueryParseResult r = pg_query_parse(s.c_str());
      benchmark::DoNotOptimize(r.parse_tree);
      pg_query_free_parse_result(r);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * statements.size()));
}

// PostgreSQL's raw parse nodes walked once (raw_walk.c), noting nothing: the floor of pgwarden's
// design, which reads the same nodes (src/sql/pg/nodes.hpp).
void raw_walk(benchmark::State& state, const std::vector<std::string>& statements) {
  if (!usable(state, statements)) return;
  for (auto _ : state) {
    for (const auto& s : statements) benchmark::DoNotOptimize(pgwarden_bench_raw_walk(s.c_str()));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * statements.size()));
}

// Every statement analyzed and judged, each a unit of its own starting as `start`.
void analyze_evaluate_all(const std::vector<std::string>& statements, sql::Analyzer& analyzer,
                          policy::Evaluator& evaluator, const policy::UnitState& start = {}) {
  for (const auto& s : statements) {
    policy::UnitState unit = start;
    for (const auto& st : analyzer.analyze(s)) {
      auto verdict = evaluator.evaluate(st, unit);
      benchmark::DoNotOptimize(verdict->decision);
    }
  }
}

void analyze_evaluate(benchmark::State& state, const std::vector<std::string>& statements, sql::Analyzer& analyzer,
                      policy::Evaluator& evaluator, const policy::UnitState& start = {}) {
  if (!usable(state, statements)) return;
  for (auto _ : state) analyze_evaluate_all(statements, analyzer, evaluator, start);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * statements.size()));
}

void uncached(benchmark::State& state, const std::vector<std::string>& statements) {
  sql::Analyzer analyzer(0);
  policy::Evaluator evaluator(std::make_shared<const policy::Policy>(bench_policy()), false);
  analyze_evaluate(state, statements, analyzer, evaluator);
}

// Warmed with `statements` in their order, then measured over `visited` (the same statements),
// each in a unit starting as `start`.
void cached(benchmark::State& state, const std::vector<std::string>& statements,
            const std::vector<std::string>& visited, const policy::UnitState& start = {}) {
  sql::Analyzer analyzer(2 * statements.size() + 16);
  policy::Evaluator evaluator(std::make_shared<const policy::Policy>(bench_policy()), true);
  // Warm, in empty units: the cache keeps what it sees twice; every run is a hit.
  for (int pass = 0; pass < 2; ++pass) analyze_evaluate_all(statements, analyzer, evaluator);
  analyze_evaluate(state, visited, analyzer, evaluator, start);
}

void cached(benchmark::State& state, const std::vector<std::string>& statements) {
  cached(state, statements, statements);
}

const std::vector<std::string>& corpus_shuffled() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v = corpus_statements();
    std::shuffle(v.begin(), v.end(), std::mt19937_64(7));
    return v;
  }();
  return all;
}

void BM_OltpBareParse(benchmark::State& state) { bare_parse(state, oltp_statements()); }
void BM_OltpRawParseWalk(benchmark::State& state) { raw_walk(state, oltp_statements()); }
void BM_CorpusRawParseWalk(benchmark::State& state) { raw_walk(state, corpus_statements()); }
void BM_OltpAnalyzeEvaluate(benchmark::State& state) { uncached(state, oltp_statements()); }
void BM_OltpCachedAnalyzeEvaluate(benchmark::State& state) { cached(state, oltp_statements()); }
// The OLTP mix in a session that created a temp table of its own first: the unit is not empty,
// but it bears on none of the statements, so their kept verdicts still serve.
void BM_OltpCachedAfterATempTable(benchmark::State& state) {
  policy::UnitState session;
  for (const auto& st : sql::analyze("CREATE TEMP TABLE scratch (id int)")) {
    (void)policy::evaluate(st, bench_policy(), session);
  }
  cached(state, oltp_statements(), oltp_statements(), session);
}
void BM_CorpusBareParse(benchmark::State& state) { bare_parse(state, corpus_statements()); }
void BM_CorpusAnalyzeEvaluate(benchmark::State& state) { uncached(state, corpus_statements()); }
void BM_CorpusCachedAnalyzeEvaluate(benchmark::State& state) { cached(state, corpus_statements()); }
void BM_CorpusCachedRandomOrder(benchmark::State& state) {
  cached(state, corpus_statements(), corpus_shuffled());
}

BENCHMARK(BM_OltpBareParse)->MinTime(1.0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OltpRawParseWalk)->MinTime(1.0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OltpAnalyzeEvaluate)->MinTime(1.0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OltpCachedAnalyzeEvaluate)->MinTime(1.0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OltpCachedAfterATempTable)->MinTime(1.0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CorpusBareParse)->MinTime(3.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CorpusRawParseWalk)->MinTime(3.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CorpusAnalyzeEvaluate)->MinTime(3.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CorpusCachedAnalyzeEvaluate)->MinTime(3.0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CorpusCachedRandomOrder)->MinTime(3.0)->Unit(benchmark::kMillisecond);

// Keeps each benchmark's CPU time per iteration, for the ratios printed at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      cpu[run.run_name.function_name] = run.GetAdjustedCPUTime();
    }
  }
  std::map<std::string, double> cpu;
};

void print_ratios(const RatioReporter& r) {
  const auto line = [&](const char* mix, const char* what, const std::string& num, const std::string& den,
                        double target) {
    const auto n = r.cpu.find(num);
    const auto d = r.cpu.find(den);
    if (n == r.cpu.end() || d == r.cpu.end() || d->second <= 0) {
      std::cout << fmt::format("{:<8} {:<34} {:>8}   target <= {:<5} SKIPPED (not measured)\n", mix, what, "-", target);
      return;
    }
    const double ratio = n->second / d->second;
    if (target <= 0) {  // a floor: measured for comparison, no target
      std::cout << fmt::format("{:<8} {:<34} {:>7.3f}x\n", mix, what, ratio);
      return;
    }
    std::cout << fmt::format("{:<8} {:<34} {:>7.3f}x   target <= {:<5} {}\n", mix, what, ratio, target,
                             ratio <= target ? "PASS" : "MISS");
  };
  std::cout << "\nRatios against pg_query_parse of the same statements (CPU time, same run):\n";
  line("OLTP", "(floor) raw parse + node walk", "BM_OltpRawParseWalk", "BM_OltpBareParse", 0);
  line("OLTP", "analyze + evaluate, uncached", "BM_OltpAnalyzeEvaluate", "BM_OltpBareParse", 2.0);
  line("OLTP", "analyze + evaluate, cached", "BM_OltpCachedAnalyzeEvaluate", "BM_OltpBareParse", 0.1);
  line("OLTP", "(same, after a temp table)", "BM_OltpCachedAfterATempTable", "BM_OltpBareParse", 0);
  line("corpus", "(floor) raw parse + node walk", "BM_CorpusRawParseWalk", "BM_CorpusBareParse", 0);
  line("corpus", "analyze + evaluate, uncached", "BM_CorpusAnalyzeEvaluate", "BM_CorpusBareParse", 2.0);
  line("corpus", "analyze + evaluate, cached", "BM_CorpusCachedAnalyzeEvaluate", "BM_CorpusBareParse", 0.1);
  line("corpus", "(same, in random order)", "BM_CorpusCachedRandomOrder", "BM_CorpusBareParse", 0);
  std::cout << fmt::format("(OLTP mix: {} statements; regression corpus: {} statements that parse)\n",
                           oltp_statements().size(), corpus_statements().size());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  print_ratios(reporter);
  return 0;
}
