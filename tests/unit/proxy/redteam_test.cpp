// The red-team corpus (tests/corpus/redteam/proxy.tsv): every way around the guard found by trying
// it as an attacker with the database's credentials, run through a real `pgwarden proxy` with its
// lookup connection against a real PostgreSQL 15, and judged by the data on the server afterwards,
// not by the error text.
//
// One line is one scenario: a policy (`demo` is the fixture's, else a file in policies/), SQL the
// server gets directly before the attack (as a migration run elsewhere would), extra conninfo for
// the attacker's first connection, the attack, and a check run directly on the server with the
// value it must give. The attack's steps are separated by ` ;; `; each is one Query on the first
// connection, unless tagged: `[2]` on a second connection, `[pipe] a | b | ...` statements sent
// in libpq's pipeline mode, each in a sync segment of its own, without waiting for the answers.
// ${PORT} and ${DB} in the setup and the check stand for the server's port and the scenario's
// database.
#include <libpq-fe.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/proxy_fixture.hpp"
#include "support/tsv.hpp"

namespace pgwarden::test {
namespace {

namespace fs = std::filesystem;

struct Scenario {
  int line = 0;
  std::string name, policy, setup, connect, attack, check, expected, why;
};

// For gtest's messages: the scenario, not its bytes.
void PrintTo(const Scenario& s, std::ostream* os) { *os << "proxy.tsv:" << s.line << " " << s.name; }

fs::path corpus_dir() { return fs::path(PGWARDEN_SOURCE_DIR) / "tests" / "corpus" / "redteam"; }

std::vector<Scenario> load() {
  std::vector<Scenario> out;
  std::ifstream in(corpus_dir() / "proxy.tsv");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split_tabs(line);
    Scenario s;
    s.line = n;
    if (cols.size() != 8) {
      s.name = "malformed_line_" + std::to_string(n);
      s.why = "MALFORMED: expected 8 tab-separated columns, got " + std::to_string(cols.size());
    } else {
      s.name = cols[0];
      s.policy = cols[1];
      s.setup = cols[2] == "-" ? "" : unescape(cols[2]);
      s.connect = cols[3] == "-" ? "" : unescape(cols[3]);
      s.attack = unescape(cols[4]);
      s.check = unescape(cols[5]);
      s.expected = cols[6];
      s.why = cols[7];
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = text.find(separator, start);
    out.push_back(text.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + separator.size();
  }
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

class RedTeam : public ProxyFixture, public ::testing::WithParamInterface<Scenario> {
 protected:
  std::string policy_text(const std::string& name) {
    if (name == "demo") return std::string(k_demo_policy);
    std::ifstream in(corpus_dir() / "policies" / (name + ".toml"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Sends each statement in its own sync segment without waiting, then reads every answer.
  static std::string pipeline(PGconn* c, const std::vector<std::string>& statements) {
    std::string log;
    if (PQenterPipelineMode(c) != 1) return "cannot enter pipeline mode: " + std::string(PQerrorMessage(c));
    for (const auto& st : statements) {
      PQsendQueryParams(c, st.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
      PQpipelineSync(c);
    }
    int syncs = 0;
    while (syncs < static_cast<int>(statements.size())) {
      PGresult* r = PQgetResult(c);
      if (r == nullptr) continue;
      const auto status = PQresultStatus(r);
      if (status == PGRES_PIPELINE_SYNC) ++syncs;
      if (status == PGRES_FATAL_ERROR) log += "  error: " + std::string(PQresultErrorMessage(r));
      PQclear(r);
      if (PQstatus(c) == CONNECTION_BAD) break;
    }
    PQexitPipelineMode(c);
    return log;
  }
};

TEST_P(RedTeam, TheDataOnTheServerIsUntouched) {
  const Scenario& s = GetParam();
  ASSERT_EQ(s.why.rfind("MALFORMED", 0), std::string::npos) << "proxy.tsv:" << s.line << ": " << s.why;
  std::string why;
  auto* cluster = PgCluster::shared(&why);
  if (cluster == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
  proxy::ProxyConfig config;
  config.lookup = "user=postgres";  // the upstream's host and port are filled in by the proxy
  start(policy_text(s.policy), config);
  if (IsSkipped() || HasFatalFailure()) return;
  const std::string port = std::to_string(m_cluster->port());
  const auto fill = [&](const std::string& text) { return replaced(replaced(text, "${PORT}", port), "${DB}", m_database); };
  if (!s.setup.empty()) m_cluster->execute(fill(s.setup), m_database);

  std::string log;
  PgConn first(PQconnectdb(conninfo(s.connect).c_str()));
  PgConn second;
  if (PQstatus(first.get()) != CONNECTION_OK) log += "connect: " + std::string(PQerrorMessage(first.get()));
  for (auto step : split(fill(s.attack), " ;; ")) {
    step = trim(step);
    if (step.rfind("[pipe]", 0) == 0) {
      std::vector<std::string> statements;
      for (const auto& st : split(step.substr(6), " | ")) statements.push_back(trim(st));
      log += "pipeline:\n" + pipeline(first.get(), statements);
      continue;
    }
    PGconn* c = first.get();
    if (step.rfind("[2]", 0) == 0) {
      if (!second) second.reset(PQconnectdb(conninfo().c_str()));
      c = second.get();
      step = trim(step.substr(3));
    }
    const PqResult r = exec(c, step);
    log += step + "\n  -> " + (r.ok() ? r.tag : r.sqlstate + " " + r.message) + "\n";
  }
  first.reset();
  second.reset();

  std::string got;
  try {
    got = m_cluster->scalar(fill(s.check), m_database);
  } catch (const std::exception& e) {
    got = std::string("the check failed: ") + e.what();
  }
  EXPECT_EQ(got, s.expected) << "proxy.tsv:" << s.line << " " << s.name << ": " << s.why << "\n" << log;
}

INSTANTIATE_TEST_SUITE_P(Corpus, RedTeam, ::testing::ValuesIn(load()),
                         [](const ::testing::TestParamInfo<Scenario>& info) { return info.param.name; });

}  // namespace
}  // namespace pgwarden::test
