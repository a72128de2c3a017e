// Every file of PostgreSQL 15's regression suite (../shared/corpus/pg15-regress) goes through the
// analyzer: no statement may be unclassified, and nothing may crash. The suite tests errors on
// purpose, so parse errors are expected; they must stay a minority and each must be confined to
// its own statement. Skipped (not passed) when the corpus is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sql/analyzer.hpp"

namespace fs = std::filesystem;
using pgwarden::sql::Action;

namespace {

fs::path corpus_dir() { return fs::path(PGWARDEN_SHARED_DIR) / "corpus" / "pg15-regress"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(RegressionCorpus, EveryStatementIsClassifiedAndNothingCrashes) {
  if (!fs::exists(corpus_dir())) GTEST_SKIP() << "corpus absent: " << corpus_dir();
  std::size_t files = 0, statements = 0, parse_errors = 0;
  std::map<Action, std::size_t> by_action;
  for (const auto& entry : fs::directory_iterator(corpus_dir())) {
    if (entry.path().extension() != ".sql") continue;
    ++files;
    const std::string text = read(entry.path());
    pgwarden::sql::Analyzer analyzer;
    const auto result = analyzer.analyze(text, {.standard_conforming_strings = true, .psql_meta_commands = true});
    for (const auto& st : result) {
      ++statements;
      ASSERT_FALSE(st.effects().empty()) << entry.path().filename() << ":" << st.location.line << ": " << st.text;
      EXPECT_EQ(st.analysis->error.find("does not know this statement kind"), std::string::npos)
          << entry.path().filename() << ":" << st.location.line << ": " << st.text;
      if (st.is_parse_error()) ++parse_errors;
      for (const auto& e : st.effects()) ++by_action[e.action];
    }
  }
  EXPECT_EQ(files, 213U);
  EXPECT_GT(statements, 35000U);
  // The suite's intentional errors are a few percent of its statements.
  EXPECT_LT(parse_errors * 20, statements) << parse_errors << " parse errors in " << statements;
  std::ostringstream summary;
  for (const auto& [a, n] : by_action) summary << pgwarden::sql::to_string(a) << "=" << n << " ";
  RecordProperty("actions", summary.str());
  std::cout << "[ corpus  ] " << files << " files, " << statements << " statements, " << parse_errors
            << " parse errors; " << summary.str() << "\n";
}

TEST(RegressionCorpus, AFileWithOneBadLiteralStillSplitsIntoItsStatements) {
  const fs::path strings = corpus_dir() / "strings.sql";
  if (!fs::exists(strings)) GTEST_SKIP() << "corpus absent: " << strings;
  const auto result = pgwarden::sql::analyze(read(strings), {.psql_meta_commands = true});
  std::size_t ok = 0;
  for (const auto& st : result) ok += st.is_parse_error() ? 0 : 1;
  EXPECT_GT(result.size(), 300U);
  EXPECT_GT(ok * 10, result.size() * 9) << "most statements of strings.sql parse on their own";
}
