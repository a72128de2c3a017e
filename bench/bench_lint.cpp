// What `pgwarden lint` costs, as a ratio to libpg_query's bare parse of the same files measured
// in the same run (the machines are noisy; only ratios are compared). Issue 3's target: lint
// <= 3x bare parse.
//
//   bare   read each file, split it into statements, pg_query_parse + free each one
//   lint   discover (read, recognize the layout) + Linter::run (analyze, policy, every lint rule)
//
// on PostgreSQL 15's regression SQL (213 files, ../shared) and on a synthetic tree of 5,000
// migration files written to a temporary folder. Each is timed single-threaded (the engine's
// cost) and with one thread per core (lint parses in parallel; bare parse stays single, as a
// peer linter runs). Best of several rounds. `make bench` runs it.
#include <pg_query.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "lint/discover.hpp"
#include "lint/linter.hpp"
#include "policy/load.hpp"
#include "policy/presets.hpp"
#include "sql/split.hpp"

namespace {

namespace fs = std::filesystem;
using namespace pgwarden;

constexpr int k_rounds = 5;

double best_seconds(const std::function<void()>& run) {
  double best = 1e9;
  for (int i = 0; i < k_rounds; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A migration of the kind teams write, varied by `i`.
std::string synthetic_migration(int i) {
  const std::string t = fmt::format("table_{}", i / 4);
  switch (i % 4) {
    case 0:
      return fmt::format(
          "CREATE TABLE {0} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  owner_id bigint NOT NULL "
          "REFERENCES owners (id),\n  name text NOT NULL,\n  status text NOT NULL DEFAULT 'new',\n  payload jsonb,\n"
          "  created_at timestamptz NOT NULL DEFAULT now(),\n  updated_at timestamptz NOT NULL DEFAULT now()\n);\n"
          "CREATE INDEX {0}_owner_idx ON {0} (owner_id);\nCOMMENT ON TABLE {0} IS 'migration {1}';\n",
          t, i);
    case 1:
      return fmt::format(
          "SET lock_timeout = '2s';\nSET statement_timeout = '1min';\nALTER TABLE {0} ADD COLUMN note text;\n"
          "ALTER TABLE {0} ADD COLUMN score integer DEFAULT 0;\nALTER TABLE {0} ADD CONSTRAINT {0}_score_check "
          "CHECK (score >= 0) NOT VALID;\n",
          t);
    case 2:
      return fmt::format("-- pgwarden:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS {0}_name_idx ON {0} (name);\n", t);
    default:
      return fmt::format(
          "SET lock_timeout = '2s';\nALTER TABLE {0} VALIDATE CONSTRAINT {0}_score_check;\n"
          "UPDATE {0} SET status = 'active' WHERE status = 'new' AND id < 1000;\n"
          "INSERT INTO audit_log (actor, action) VALUES ('migration', 'backfill {1}');\n",
          t, i);
  }
}

double bare_parse(const std::vector<fs::path>& files) {
  return best_seconds([&] {
    sql::SplitOptions options;
    for (const auto& f : files) {
      const std::string text = read(f);
      for (const auto& chunk : sql::split_statements(text, options)) {
        const std::string statement = text.substr(chunk.begin, chunk.end - chunk.begin);
        PgQueryParseResult r = pg_query_parse(statement.c_str());
        pg_query_free_parse_result(r);
      }
    }
  });
}

double lint_files(const lint::Linter& linter, const std::vector<std::string>& inputs, unsigned threads,
                  std::size_t& findings) {
  lint::LintOptions options;
  options.threads = threads;
  return best_seconds([&] {
    std::istringstream none;
    auto migrations = lint::discover(inputs, none);
    findings = migrations ? linter.run(*migrations, options).findings.size() : 0;
  });
}

void measure(const std::string& name, const std::vector<fs::path>& files, const std::vector<std::string>& inputs,
             const lint::Linter& linter) {
  std::uintmax_t bytes = 0;
  for (const auto& f : files) bytes += fs::file_size(f);
  const double bare = bare_parse(files);
  std::size_t findings = 0;
  const double single = lint_files(linter, inputs, 1, findings);
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const double parallel = lint_files(linter, inputs, cores, findings);
  const double mb = static_cast<double>(bytes) / 1e6;
  const auto n = static_cast<double>(files.size());
  fmt::print("{}: {} files, {:.1f} MB, {} findings\n", name, files.size(), mb, findings);
  fmt::print("  bare parse (1 thread)   {:8.3f} s  {:9.0f} files/s  {:7.1f} MB/s\n", bare, n / bare, mb / bare);
  fmt::print("  lint (1 thread)         {:8.3f} s  {:9.0f} files/s  {:7.1f} MB/s  ratio {:.2f}x bare\n", single,
             n / single, mb / single, single / bare);
  fmt::print("  lint ({} threads)        {:8.3f} s  {:9.0f} files/s  {:7.1f} MB/s  ratio {:.2f}x bare\n", cores, parallel,
             n / parallel, mb / parallel, parallel / bare);
}

}  // namespace

int main() {
  auto parsed = policy::parse_policy(policy::find_preset("immutable-ledger")->toml, "bench.toml");
  if (!parsed) {
    std::cerr << parsed.error().to_string() << "\n";
    return 2;
  }
  auto policy = std::make_shared<const policy::Policy>(std::move(*parsed));
  auto linter = lint::Linter::create(policy);
  if (!linter) {
    std::cerr << linter.error().to_string() << "\n";
    return 2;
  }
  fmt::print("pgwarden lint benchmark: best of {} rounds; target lint <= 3x bare parse\n\n", k_rounds);

  const fs::path corpus = fs::path(PGWARDEN_SHARED_DIR) / "corpus" / "pg15-regress";
  if (fs::is_directory(corpus)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(corpus)) {
      if (e.path().extension() == ".sql") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    measure("pg15-regress", files, {corpus.string()}, *linter);
  } else {
    fmt::print("pg15-regress: SKIPPED ({} is absent)\n", corpus.string());
  }

  const fs::path tree = fs::temp_directory_path() / fmt::format("pgwarden-bench-lint-{}", ::getpid());
  std::vector<fs::path> files;
  for (int i = 0; i < 5000; ++i) {
    const fs::path p = tree / "migrations" / fmt::format("{:05}_step_{}.up.sql", i + 1, i);
    fs::create_directories(p.parent_path());
    std::ofstream(p) << synthetic_migration(i);
    files.push_back(p);
  }
  fmt::print("\n");
  measure("synthetic tree", files, {(tree / "migrations").string()}, *linter);
  fs::remove_all(tree);
  return 0;
}
