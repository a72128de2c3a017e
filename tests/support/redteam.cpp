#include "support/redteam.hpp"

#include <libpq-fe.h>

#include <fstream>
#include <sstream>

#include "support/tsv.hpp"

namespace pgwarden::test {
namespace {

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

// Sends each statement in its own sync segment without waiting, then reads every answer.
std::string pipeline(PGconn* c, const std::vector<std::string>& statements) {
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

}  // namespace

void PrintTo(const RedTeamScenario& s, std::ostream* os) { *os << "proxy.tsv:" << s.line << " " << s.name; }

std::filesystem::path redteam_dir() {
  return std::filesystem::path(PGWARDEN_SOURCE_DIR) / "tests" / "corpus" / "redteam";
}

std::vector<RedTeamScenario> load_redteam() {
  std::vector<RedTeamScenario> out;
  std::ifstream in(redteam_dir() / "proxy.tsv");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split_tabs(line);
    RedTeamScenario s;
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

std::string redteam_policy(const std::string& name) {
  if (name == "demo") return std::string(k_demo_policy);
  std::ifstream in(redteam_dir() / "policies" / (name + ".toml"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string redteam_fill(std::string text, int port, const std::string& database) {
  return replaced(replaced(std::move(text), "${PORT}", std::to_string(port)), "${DB}", database);
}

std::string redteam_check(const PgCluster& cluster, const std::string& check, const std::string& database) {
  std::string failures;
  for (const auto& alternative : split(check, " ||| ")) {
    try {
      return cluster.scalar(trim(alternative), database);
    } catch (const std::exception& e) {
      failures += std::string(failures.empty() ? "" : "; ") + e.what();
    }
  }
  return "the check failed: " + failures;
}

std::map<std::string, std::string> redteam_limits(const std::string& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(redteam_dir() / file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split_tabs(line);
    out[cols[0]] = cols.size() > 1 && !cols[1].empty() ? cols[1] : "MALFORMED: no reason given";
  }
  return out;
}

::testing::AssertionResult redteam_verdict(const RedTeamScenario& s, const std::string& got,
                                           const std::map<std::string, std::string>& limits,
                                           const std::string& limits_file, const std::string& log) {
  if (const auto limit = limits.find(s.name); limit != limits.end()) {
    if (got != s.expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << s.name << " is listed in " << limits_file << " (" << limit->second
                                         << ") but the door now holds it: take it off the list\n"
                                         << log;
  }
  if (got == s.expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "proxy.tsv:" << s.line << " " << s.name << ": " << s.why << "\n  got "
                                       << got << ", expected " << s.expected << "\n"
                                       << log;
}

std::string run_attack(const RedTeamScenario& s, const std::string& attack,
                       const std::function<PgConn(const std::string& extra)>& connect) {
  std::string log;
  PgConn first = connect(s.connect);
  PgConn second;
  if (PQstatus(first.get()) != CONNECTION_OK) log += "connect: " + std::string(PQerrorMessage(first.get()));
  for (auto step : split(attack, " ;; ")) {
    step = trim(step);
    if (step.rfind("[pipe]", 0) == 0) {
      std::vector<std::string> statements;
      for (const auto& st : split(step.substr(6), " | ")) statements.push_back(trim(st));
      log += "pipeline:\n" + pipeline(first.get(), statements);
      continue;
    }
    PGconn* c = first.get();
    if (step.rfind("[2]", 0) == 0) {
      if (!second) second = connect("");
      c = second.get();
      step = trim(step.substr(3));
    }
    const PqResult r = exec(c, step);
    log += step + "\n  -> " + (r.ok() ? r.tag : r.sqlstate + " " + r.message) + "\n";
  }
  return log;
}

}  // namespace pgwarden::test
