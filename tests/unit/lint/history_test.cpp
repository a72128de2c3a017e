// The migration history lock: pgwarden.sum written and read back, each way a locked history can
// be broken (edited, removed, reordered, inserted before the end) found where a user would look,
// a hand-edited sum file refused, and the git helpers run against a real repository.
#include "lint/history.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "lint/git.hpp"

namespace fs = std::filesystem;
using namespace pgwarden::lint;  // NOLINT(google-build-using-namespace): the API under test

namespace {

const std::string k_sum = "db/pgwarden.sum";

std::vector<LockedFile> history() {
  return {{"0001_init.sql", "CREATE TABLE users (id bigint);\nCREATE INDEX ON users (id);\n"},
          {"0002_orders.sql", "CREATE TABLE orders (id bigint);\n"},
          {"0003_items.sql", "CREATE TABLE items (id bigint);\n"},
          {"0004_tags.sql", "CREATE TABLE tags (id bigint);\n"}};
}

SumFile locked(const std::vector<LockedFile>& files) {
  auto sum = parse_sum(sum_text(files), k_sum);
  EXPECT_TRUE(sum) << (sum ? "" : sum.error().to_string());
  return sum ? *sum : SumFile{};
}

std::vector<Finding> verify(const std::vector<LockedFile>& then, const std::vector<LockedFile>& now,
                            const PreviousContent& previous = {}) {
  return verify_history(locked(then), now, previous, k_sum);
}

// The locked text of each file, the way git show would give it.
PreviousContent from(const std::vector<LockedFile>& files) {
  return [files](const std::string& path) -> std::optional<std::string> {
    for (const auto& f : files) {
      if (f.path == path) return f.content;
    }
    return std::nullopt;
  };
}

std::string raw(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST(HistorySum, HashesAndChainsTheWayTheFormatSays) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sum_text({}), "pgwarden.sum v1 " + std::string(64, '0') + "\n");

  const std::string content = "CREATE TABLE t ();\n";
  const std::string file = sha256_hex(content);
  const std::string chain = sha256_hex(std::string(32, '\0') + "0001.sql" + '\0' + raw(file));
  EXPECT_EQ(sum_text({{"0001.sql", content}}),
            "pgwarden.sum v1 " + chain + "\n0001.sql " + file + " " + chain + "\n");
}

TEST(HistorySum, RoundTripsPathsWithSpacesQuotesAndControlCharacters) {
  const std::vector<LockedFile> files = {{"db/0001 add users.sql", "a"},
                                         {"0002_\"quoted\"\\x.sql", "b"},
                                         {"0003\ttab\nnewline\x01.sql", "c"},
                                         {"\"0004.sql", "d"}};
  const std::string text = sum_text(files);
  EXPECT_NE(text.find("\n\"db/0001 add users.sql\" "), std::string::npos) << text;
  auto sum = parse_sum(text, k_sum);
  ASSERT_TRUE(sum) << sum.error().to_string();
  ASSERT_EQ(sum->entries.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(sum->entries[i].path, files[i].path);
    EXPECT_EQ(sum->entries[i].sha256, sha256_hex(files[i].content));
    EXPECT_EQ(sum->entries[i].line, static_cast<int>(i) + 2);
  }
  EXPECT_TRUE(verify_history(*sum, files, {}, k_sum).empty());
}

TEST(HistorySum, TamperedHeaderIsRefused) {
  const std::string text = sum_text(history());
  const std::string final_chain = text.substr(16, 64);
  auto forged = parse_sum(replaced(text, final_chain, std::string(64, 'a')), k_sum);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().file, k_sum);
  EXPECT_EQ(forged.error().line, 1);
  EXPECT_NE(forged.error().message.find("header hash does not match"), std::string::npos);

  // Dropping the last entry leaves a consistent chain; only the header notices.
  const std::string truncated = text.substr(0, text.rfind('\n', text.size() - 2) + 1);
  auto short_sum = parse_sum(truncated, k_sum);
  ASSERT_FALSE(short_sum);
  EXPECT_EQ(short_sum.error().line, 1);
}

TEST(HistorySum, HandEditedEntryIsRefusedAtItsLine) {
  const std::string text = sum_text(history());
  auto sum =
      parse_sum(replaced(text, sha256_hex(history()[1].content), sha256_hex("edited")), k_sum);
  ASSERT_FALSE(sum);
  EXPECT_EQ(sum.error().line, 3);
  EXPECT_NE(sum.error().message.find("0002_orders.sql"), std::string::npos);
}

TEST(HistorySum, MalformedLinesNameTheFileAndLine) {
  const std::string text = sum_text(history());
  const std::string hash(64, '0');
  struct Case {
    std::string text;
    int line;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"", 1, "expected the header"},
      {"hello\n", 1, "not a pgwarden.sum file"},
      {"pgwarden.sum v2 " + hash + "\n", 1, "version"},
      {"pgwarden.sum v1 xyz\n", 1, "64 lowercase hex"},
      {replaced(text, "0003_items.sql ", "0003_items.sql"), 4, "expected `<path>"},
      {replaced(text, "\n0002_orders.sql", "\n\"0002_orders.sql"), 3, "unterminated"},
      {replaced(text, "0002_orders.sql", "0001_init.sql"), 3, "listed twice (first on line 2)"},
      {text + "0005_x.sql " + hash + "\n", 6, "expected `<path>"},
  };
  for (const auto& c : cases) {
    auto sum = parse_sum(c.text, k_sum);
    ASSERT_FALSE(sum) << c.text;
    EXPECT_EQ(sum.error().file, k_sum);
    EXPECT_EQ(sum.error().line, c.line) << sum.error().to_string();
    EXPECT_NE(sum.error().message.find(c.says), std::string::npos) << sum.error().to_string();
    EXPECT_EQ(sum.error().to_string().rfind(k_sum + ":" + std::to_string(c.line) + ":", 0), 0U);
  }
}

TEST(HistoryVerify, UnchangedHistoryHasNoFinding) {
  EXPECT_TRUE(verify(history(), history()).empty());
}

TEST(HistoryVerify, EditedFileIsReportedAtTheFirstChangedLine) {
  auto now = history();
  now[0].content = "CREATE TABLE users (id bigint);\nCREATE INDEX CONCURRENTLY ON users (id);\n";
  const auto findings = verify(history(), now, from(history()));
  ASSERT_EQ(findings.size(), 1U);
  const Finding& f = findings[0];
  EXPECT_EQ(f.rule, "history.edited");
  EXPECT_EQ(f.severity, Severity::error);
  EXPECT_EQ(f.file, "db/0001_init.sql");
  EXPECT_EQ(f.line, 2);
  EXPECT_EQ(f.column, 14);  // "CREATE INDEX " then "CONCURRENTLY"
  EXPECT_EQ(now[0].content.substr(f.offset, 12), "CONCURRENTLY");
  EXPECT_NE(f.message.find("line 2"), std::string::npos) << f.message;
  EXPECT_NE(f.detail.find(sha256_hex(history()[0].content)), std::string::npos) << f.detail;
  EXPECT_NE(f.hint.find("never edited"), std::string::npos) << f.hint;
  EXPECT_NE(f.hint.find("write a new migration"), std::string::npos) << f.hint;
  EXPECT_NE(f.hint.find("pgwarden lint --lock"), std::string::npos) << f.hint;
  EXPECT_NE(f.hint.find("reviewer"), std::string::npos) << f.hint;
}

TEST(HistoryVerify, EditWithoutTheLockedTextIsReportedAtLineOneAsUnknown) {
  auto now = history();
  now[2].content += "ALTER TABLE items ADD COLUMN name text;\n";
  // No callback, and a callback whose text is not the locked one: neither can be trusted.
  const PreviousContent wrong = [](const std::string&) { return std::string("something else"); };
  for (const auto& previous : {PreviousContent{}, wrong}) {
    const auto findings = verify(history(), now, previous);
    ASSERT_EQ(findings.size(), 1U);
    EXPECT_EQ(findings[0].rule, "history.edited");
    EXPECT_EQ(findings[0].file, "db/0003_items.sql");
    EXPECT_EQ(findings[0].line, 1);
    EXPECT_NE(findings[0].message.find("unknown"), std::string::npos) << findings[0].message;
  }
  // With it, the appended statement is the first change.
  const auto findings = verify(history(), now, from(history()));
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].line, 2);
}

TEST(HistoryVerify, FirstChangeIsTheFirstDifferingOrAddedLine) {
  struct Case {
    std::string before, after;
    int line, column;
  };
  const std::vector<Case> cases = {
      {"a\nb\nc\n", "a\nB\nc\n", 2, 1},
      {"a\nbb\n", "a\nbx\n", 2, 2},
      {"a\n\xc3\xa9t\xc3\xa9\n", "a\n\xc3\xa9t\xc3\xa8\n", 2, 3},  // été -> étè: characters
      {"a\nb\n", "a\nb\nc\n", 3, 1},                               // appended
      {"a\nb", "a\nb\nc", 3, 1},                                   // appended after a bare end
      {"a\nb\nc\n", "a\nb\n", 2, 1},                               // removed from the end
      {"a\nb", "a\nb\n", 2, 2},                                    // newline added at the end
      {"", "a\n", 1, 1},
  };
  for (const auto& c : cases) {
    const Position at = first_change(c.before, c.after);
    EXPECT_EQ(at.line, c.line) << c.before << "|" << c.after;
    EXPECT_EQ(at.column, c.column) << c.before << "|" << c.after;
  }
}

TEST(HistoryVerify, RemovedFileIsReportedAtItsLineInTheSumFile) {
  auto now = history();
  now.erase(now.begin() + 1);
  const auto findings = verify(history(), now);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].rule, "history.removed");
  EXPECT_EQ(findings[0].file, k_sum);
  EXPECT_EQ(findings[0].line, 3);  // header, 0001, 0002
  EXPECT_EQ(sum_text(history()).substr(findings[0].offset, 16), "0002_orders.sql ");
  EXPECT_NE(findings[0].message.find("0002_orders.sql"), std::string::npos);
}

TEST(HistoryVerify, MovedFileIsTheOneReorderedFinding) {
  auto now = history();
  std::rotate(now.begin() + 1, now.begin() + 2, now.end());  // 0001 0003 0004 0002
  const auto findings = verify(history(), now);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].rule, "history.reordered");
  EXPECT_EQ(findings[0].file, "db/0002_orders.sql");
  EXPECT_EQ(findings[0].message,
            "`0002_orders.sql` was locked before `0003_items.sql` but now runs after it");

  std::swap(now[0], now[3]);  // 0002 0003 0004 0001: 0001 moved to the end
  const auto swapped = verify(history(), now);
  ASSERT_EQ(swapped.size(), 1U);
  EXPECT_EQ(swapped[0].file, "db/0001_init.sql");
}

TEST(HistoryVerify, NewFileBeforeTheLastLockedOneIsNonLinear) {
  auto now = history();
  now.insert(now.begin() + 2, LockedFile{"0002a_hotfix.sql", "SELECT 1;\n"});
  const auto findings = verify(history(), now);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].rule, "history.non-linear");
  EXPECT_EQ(findings[0].file, "db/0002a_hotfix.sql");
  EXPECT_NE(findings[0].message.find("0004_tags.sql"), std::string::npos) << findings[0].message;
  EXPECT_NE(findings[0].hint.find("sorts after `0004_tags.sql`"), std::string::npos);
}

TEST(HistoryVerify, NewFileAfterTheLastLockedOneIsFine) {
  auto now = history();
  now.push_back(LockedFile{"0005_more.sql", "SELECT 1;\n"});
  EXPECT_TRUE(verify(history(), now).empty());
}

// The git helpers against a real repository: main locks two migrations, a branch edits one and
// adds another.
class HistoryGit : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "pgwarden-history-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    m_dir = pattern;
    if (!run_git(m_dir, {"--version"})) GTEST_SKIP() << "git is not installed";
    git({"-c", "init.defaultBranch=main", "init", "-q"});
    write("db/0001 init.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n");
    write("db/pgwarden.sum", "locked\n");
    commit("lock");
    m_base = git({"rev-parse", "HEAD"});
    git({"checkout", "-q", "-b", "feature"});
    write("db/0001 init.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id bigint);\n");
    write("db/0002_next.sql", "SELECT 1;\n");
    commit("edit");
    write("db/0003_untracked.sql", "SELECT 2;\n");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  std::string git(const std::vector<std::string>& args) {
    auto out = run_git(m_dir, args);
    EXPECT_TRUE(out) << (out ? "" : out.error().to_string());
    return out ? std::string(out->substr(0, out->find('\n'))) : "";
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((fs::path(m_dir) / rel).parent_path());
    std::ofstream(fs::path(m_dir) / rel) << text;
  }
  void commit(const std::string& message) {
    git({"add", "-A"});
    git({"-c", "user.name=pgwarden", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
         "commit", "-q", "-m", message});
  }

  std::string m_dir;
  std::string m_base;
};

TEST_F(HistoryGit, MergeBaseShowAndLastCommitAnswerFromTheRepository) {
  auto base = git_merge_base(m_dir, "main");
  ASSERT_TRUE(base) << base.error().to_string();
  EXPECT_EQ(*base, m_base);

  auto shown = git_show(m_dir + "/db", *base, "0001 init.sql");
  ASSERT_TRUE(shown) << shown.error().to_string();
  EXPECT_EQ(*shown, "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n");

  auto last = git_last_commit_touching(m_dir, "db/pgwarden.sum");
  ASSERT_TRUE(last) << last.error().to_string();
  EXPECT_EQ(*last, m_base);

  auto missing = git_show(m_dir, *base, "db/0002_next.sql");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("0002_next.sql"), std::string::npos)
      << missing.error().message;
  EXPECT_FALSE(git_merge_base(m_dir, "no-such-branch"));
  EXPECT_FALSE(git_merge_base(m_dir, "--help"));
  EXPECT_FALSE(git_last_commit_touching(m_dir, "db/never.sql"));
}

TEST_F(HistoryGit, ChangedFilesAreTheBranchesAdditionsAndEditsFromTheTop) {
  auto changed = git_changed_files(m_dir + "/db", "main");
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_EQ(fs::path(changed->root), fs::canonical(m_dir));
  EXPECT_EQ(changed->files, (std::vector<std::string>{"db/0001 init.sql", "db/0002_next.sql",
                                                      "db/0003_untracked.sql"}));
}

TEST_F(HistoryGit, EditOnABranchIsFoundAtItsLineThroughGitShow) {
  const std::vector<LockedFile> then = {
      {"0001 init.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"}};
  const std::vector<LockedFile> now = {
      {"0001 init.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id bigint);\n"}};
  const PreviousContent previous = [&](const std::string& path) -> std::optional<std::string> {
    auto text = git_show(m_dir + "/db", m_base, path);
    return text ? std::optional(*text) : std::nullopt;
  };
  const auto findings = verify_history(*parse_sum(sum_text(then), k_sum), now, previous, k_sum);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].file, "db/0001 init.sql");
  EXPECT_EQ(findings[0].line, 2);
}
