// Conformance with the peers' test corpora (docs/conformance.md): every case of the pgls safety
// specs and of Bytebase's PostgreSQL advisor tests (../shared/conformance/) goes through the
// real `pgwarden lint` as one migration, and the peer's verdict (must flag / must pass) is
// compared with pgwarden's for the concepts tests/conformance/mapping.tsv maps the peer rule to.
//
// The pipeline: read the mapping and the documented differences, read the corpus (pgls: a .sql
// file per case with `-- expect_...` directives; Bytebase: YAML files of `statement` + `want`),
// lint each in-scope case with tests/conformance/pgwarden.toml, compare, and print the agreement.
// A case fails the test when it disagrees and is not in tests/conformance/differences.tsv, or
// when it is listed there but agrees now (the list stays honest). Skipped, never passed, when
// the corpora are absent.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lint/rule.hpp"
#include "sql/action.hpp"

namespace fs = std::filesystem;

namespace {

fs::path conformance_dir() {
  return fs::path(PGWARDEN_SHARED_DIR) / "conformance";
}
fs::path data_dir() {
  return fs::path(PGWARDEN_SOURCE_DIR) / "tests" / "conformance";
}

// Bytebase files that exist in the corpus but that Bytebase's own harness does not run at the
// pinned commit (../shared/conformance/README.md §2): their expectations are stale, not scored.
const std::set<std::string> k_bytebase_not_run = {
    "hello_world.yaml", "statement_disallow_mix_in_ddl.yaml", "statement_disallow_mix_in_dml.yaml"};
// pgls safety rules that have no spec folder upstream: mapped, but with no cases.
const std::set<std::string> k_pgls_without_cases = {"disallowUniqueConstraint", "preferTextField",
                                                    "preferTimestamptz"};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (std::size_t at = text.find(sep); at != std::string::npos; at = text.find(sep, begin)) {
    out.push_back(text.substr(begin, at - begin));
    begin = at + 1;
  }
  out.push_back(text.substr(begin));
  return out;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(" \t\r") - b + 1));
}

// The rows of a tab-separated file: no comment lines (#), no header (its first cell is `header`),
// each row with exactly `columns` cells.
std::vector<std::vector<std::string>> read_tsv(const fs::path& p, const std::string& header,
                                               std::size_t columns) {
  std::vector<std::vector<std::string>> rows;
  EXPECT_TRUE(fs::exists(p)) << p << " is missing";
  int line = 0;
  for (std::string text : split(read(p), '\n')) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (trim(text).empty() || text.starts_with("#")) continue;
    auto cells = split(text, '\t');
    if (cells.front() == header) continue;
    EXPECT_EQ(cells.size(), columns) << p.filename().string() << ":" << line << ": expected "
                                     << columns << " tab-separated columns: " << text;
    if (cells.size() == columns) rows.push_back(std::move(cells));
  }
  return rows;
}

// ---- The peers' corpora ---------------------------------------------------------------------

struct Case {
  std::string peer;  // "pgls" | "bytebase"
  std::string rule;  // the pgls rule folder, or the Bytebase file
  std::string id;    // "<rule>/<file>.sql" | "<file>.yaml#<1-based item>"
  std::string sql;
  bool must_flag = false;
};

// pgls: the rule under test is the folder; `-- expect_lint/...` (or expect_only_lint) lines
// make a must-flag case, `-- expect_no_diagnostics` a must-pass one.
std::vector<Case> pgls_cases(std::set<std::string>& folders) {
  std::vector<Case> out;
  for (const auto& dir : fs::directory_iterator(conformance_dir() / "pgls-safety")) {
    if (!dir.is_directory()) continue;
    const std::string rule = dir.path().filename().string();
    folders.insert(rule);
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.path().extension() != ".sql") continue;
      Case c{"pgls", rule, rule + "/" + file.path().filename().string(), read(file.path())};
      const bool flag = c.sql.find("expect_lint/") != std::string::npos ||
                        c.sql.find("expect_only_lint/") != std::string::npos;
      const bool pass = c.sql.find("expect_no_diagnostics") != std::string::npos;
      EXPECT_NE(flag, pass) << c.id << ": needs exactly one kind of expect_ directive";
      c.must_flag = flag;
      out.push_back(std::move(c));
    }
  }
  return out;
}

// The YAML that Bytebase's advisor tests are written in, which is a small part of YAML: a
// sequence of mappings whose `statement` is a literal block scalar (`|`, `|-`, `|+`), a
// double- or single-quoted scalar or a plain one, and whose `want` is absent, null or a list of
// findings (only their number matters here). Anything outside that part is an error, so that a
// corpus update that needs more fails loudly instead of being misread.
class BytebaseYaml {
 public:
  struct Item {
    std::string statement;
    std::size_t want = 0;  // the number of findings the peer expects; 0: must pass
  };

  explicit BytebaseYaml(const std::string& text) {
    for (std::string line : split(text, '\n')) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      m_lines.push_back(std::move(line));
    }
  }

  // The items, or the first line that is not understood.
  std::optional<std::vector<Item>> parse(std::string& error) {
    std::vector<Item> items;
    while (m_at < m_lines.size()) {
      const std::string& line = m_lines[m_at];
      if (ignorable(line)) {
        ++m_at;
        continue;
      }
      if (!line.starts_with("- ")) return fail(error, "expected a sequence item '- ' at column 1");
      Item item;
      std::string entry = line.substr(2);
      while (true) {
        if (!this->entry(entry, item, error)) return std::nullopt;
        ++m_at;
        while (m_at < m_lines.size() && ignorable(m_lines[m_at])) ++m_at;
        if (m_at >= m_lines.size() || indent(m_lines[m_at]) != k_key_indent) break;
        entry = m_lines[m_at].substr(k_key_indent);
      }
      items.push_back(std::move(item));
    }
    return items;
  }

 private:
  static constexpr std::size_t k_key_indent = 2;  // "- key:" and "  key:"
  std::vector<std::string> m_lines;
  std::size_t m_at = 0;

  static std::size_t indent(const std::string& line) {
    const auto n = line.find_first_not_of(' ');
    return n == std::string::npos ? line.size() : n;
  }
  static bool blank(const std::string& line) { return trim(line).empty(); }
  static bool ignorable(const std::string& line) {
    return blank(line) || trim(line).starts_with("#");
  }

  // Records what is not understood, at the current line; false, to return.
  bool bad(std::string& error, const std::string& why) const {
    error = "line " + std::to_string(m_at + 1) + ": " + why + ": " +
            (m_at < m_lines.size() ? m_lines[m_at] : "");
    return false;
  }
  std::nullopt_t fail(std::string& error, const std::string& why) const {
    bad(error, why);
    return std::nullopt;
  }

  // One `key: value` of an item; m_at is the key's line and ends on the value's last line.
  bool entry(const std::string& text, Item& item, std::string& error) {
    const auto colon = text.find(':');
    if (colon == std::string::npos || (colon + 1 < text.size() && text[colon + 1] != ' ')) {
      return bad(error, "expected 'key: value'");
    }
    const std::string key = text.substr(0, colon);
    const std::string rest = trim(text.substr(colon + 1));
    if (key == "statement") {
      auto value = scalar(rest, error);
      if (!value) return false;
      item.statement = std::move(*value);
    } else if (key == "changeType") {
      if (!scalar(rest, error)) return false;  // ignored by the upstream harness too
    } else if (key == "want") {
      if (rest == "null" || rest == "~" || rest == "[]") return true;
      if (!rest.empty()) return bad(error, "expected a list under want");
      item.want = list_items();
    } else {
      return bad(error, "unknown key '" + key + "'");
    }
    return true;
  }

  // The items of the block sequence under `want:`; the lines of each item are skipped.
  std::size_t list_items() {
    std::size_t count = 0;
    std::size_t list_indent = std::string::npos;
    for (std::size_t j = m_at + 1; j < m_lines.size(); ++j) {
      const std::string& line = m_lines[j];
      if (ignorable(line)) continue;
      const std::size_t n = indent(line);
      if (n <= k_key_indent && !line.substr(n).starts_with("- ")) break;
      if (n < k_key_indent) break;
      if (list_indent == std::string::npos) list_indent = n;
      if (n == list_indent && line.substr(n).starts_with("-")) ++count;
      m_at = j;
    }
    return count;
  }

  std::optional<std::string> scalar(const std::string& rest, std::string& error) {
    if (rest.starts_with("|")) return literal_block(rest, error);
    if (rest.starts_with(">")) return fail(error, "folded block scalars are not supported");
    if (rest.starts_with("\"") || rest.starts_with("'")) return quoted(rest, error);
    return plain(rest);
  }

  // `|`, `|-`, `|+`, optionally with an indentation digit.
  std::optional<std::string> literal_block(const std::string& header, std::string& error) {
    char chomp = ' ';
    std::size_t explicit_indent = 0;
    for (char c : header.substr(1)) {
      if (c == '-' || c == '+') {
        chomp = c;
      } else if (c >= '1' && c <= '9') {
        explicit_indent = static_cast<std::size_t>(c - '0');
      } else if (c == ' ' || c == '#') {
        break;
      } else {
        return fail(error, "bad block scalar header");
      }
    }
    std::size_t block_indent = explicit_indent != 0 ? k_key_indent + explicit_indent : 0;
    std::vector<std::string> body;
    std::size_t j = m_at + 1;
    for (; j < m_lines.size(); ++j) {
      const std::string& line = m_lines[j];
      if (blank(line)) {
        body.push_back(line.size() > block_indent && block_indent != 0 ? line.substr(block_indent)
                                                                       : "");
        continue;
      }
      if (block_indent == 0) block_indent = indent(line);
      if (indent(line) < block_indent || block_indent <= k_key_indent) break;
      body.push_back(line.substr(block_indent));
    }
    // Trailing blank lines belong to the block only for chomping.
    std::size_t content = body.size();
    while (content > 0 && trim(body[content - 1]).empty()) --content;
    const std::size_t consumed = j - 1;
    std::string out;
    for (std::size_t k = 0; k < content; ++k) out += (k == 0 ? "" : "\n") + body[k];
    if (chomp == ' ' && content > 0) out += "\n";
    if (chomp == '+') {
      out += "\n";
      for (std::size_t k = content; k < body.size(); ++k) out += "\n";
    }
    m_at = consumed;
    return out;
  }

  // A quoted scalar, over several lines if need be (line breaks fold as YAML says).
  std::optional<std::string> quoted(const std::string& rest, std::string& error) {
    const char quote = rest.front();
    std::string raw = rest.substr(1);
    std::size_t j = m_at;
    auto closing = [&](const std::string& s) -> std::size_t {
      for (std::size_t k = 0; k < s.size(); ++k) {
        if (quote == '"' && s[k] == '\\') {
          ++k;
        } else if (s[k] == quote) {
          if (quote == '\'' && k + 1 < s.size() && s[k + 1] == '\'') {
            ++k;
          } else {
            return k;
          }
        }
      }
      return std::string::npos;
    };
    while (closing(raw) == std::string::npos) {
      if (++j >= m_lines.size()) return fail(error, "unterminated quoted scalar");
      raw += "\n" + m_lines[j];
    }
    const std::size_t end = closing(raw);
    if (!trim(raw.substr(end + 1)).empty() && !trim(raw.substr(end + 1)).starts_with("#")) {
      return fail(error, "text after a quoted scalar");
    }
    raw.resize(end);
    m_at = j;
    // Fold the line breaks: one break is a space, each further (empty) line a newline.
    std::string folded;
    const auto lines = split(raw, '\n');
    std::size_t empty_run = 0;
    for (std::size_t k = 0; k < lines.size(); ++k) {
      std::string piece = lines[k];
      if (k > 0) piece = piece.substr(std::min(piece.size(), piece.find_first_not_of(" \t")));
      if (k + 1 < lines.size()) piece.erase(piece.find_last_not_of(" \t") + 1);
      if (k > 0 && piece.empty() && k + 1 < lines.size()) {
        ++empty_run;
        continue;
      }
      if (k > 0) {
        const bool escaped_break = quote == '"' && !folded.empty() && folded.back() == '\\' &&
                                   (folded.size() < 2 || folded[folded.size() - 2] != '\\');
        if (escaped_break) {
          folded.pop_back();
        } else {
          folded += empty_run == 0 ? std::string(" ") : std::string(empty_run, '\n');
        }
      }
      empty_run = 0;
      folded += piece;
    }
    if (quote == '\'') {
      std::string out;
      for (std::size_t k = 0; k < folded.size(); ++k) {
        out += folded[k];
        if (folded[k] == '\'' && k + 1 < folded.size() && folded[k + 1] == '\'') ++k;
      }
      return out;
    }
    std::string out;
    for (std::size_t k = 0; k < folded.size(); ++k) {
      if (folded[k] != '\\' || k + 1 >= folded.size()) {
        out += folded[k];
        continue;
      }
      switch (const char e = folded[++k]) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
          out += '\0';
          break;
        case '"':
        case '\\':
        case '/':
        case ' ':
          out += e;
          break;
        default:
          return fail(error, std::string("unsupported escape \\") + e);
      }
    }
    return out;
  }

  // A plain scalar: the rest of the line, continued by more-indented lines (folded with spaces).
  std::optional<std::string> plain(const std::string& rest) {
    auto uncomment = [](const std::string& s) {
      const auto hash = s.find(" #");
      return trim(hash == std::string::npos ? s : s.substr(0, hash));
    };
    std::string out = uncomment(rest);
    std::size_t empty_run = 0;
    for (std::size_t j = m_at + 1; j < m_lines.size(); ++j) {
      const std::string& line = m_lines[j];
      if (blank(line)) {
        ++empty_run;
        continue;
      }
      if (indent(line) <= k_key_indent || trim(line).starts_with("#")) break;
      out += empty_run == 0 ? std::string(" ") : std::string(empty_run, '\n');
      out += uncomment(line);
      empty_run = 0;
      m_at = j;
    }
    if (out == "null" || out == "~") out.clear();
    return out;
  }
};

std::vector<Case> bytebase_cases(std::set<std::string>& files, std::vector<std::string>& errors) {
  std::vector<Case> out;
  for (const auto& file : fs::directory_iterator(conformance_dir() / "bytebase-pg")) {
    if (file.path().extension() != ".yaml") continue;
    const std::string name = file.path().filename().string();
    files.insert(name);
    std::string error;
    const auto items = BytebaseYaml(read(file.path())).parse(error);
    if (!items) {
      errors.push_back(name + ": " + error);
      continue;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
      out.push_back({"bytebase", name, name + "#" + std::to_string(i + 1), (*items)[i].statement,
                     (*items)[i].want > 0});
    }
  }
  return out;
}

// ---- The mapping and the documented differences ---------------------------------------------

struct Mapping {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> concepts;  // (peer, rule)
};

bool is_pgwarden_concept(const std::string& name) {
  const auto* rule = pgwarden::lint::find_rule(name);
  return (rule != nullptr && rule->id == name) ||
         pgwarden::sql::action_from_string(name).has_value();
}

Mapping read_mapping() {
  Mapping m;
  for (const auto& row : read_tsv(data_dir() / "mapping.tsv", "peer", 4)) {
    const auto key = std::make_pair(row[0], row[1]);
    EXPECT_FALSE(m.concepts.contains(key))
        << "mapping.tsv names " << row[0] << " " << row[1] << " twice";
    std::vector<std::string> concepts = split(row[2], ',');
    for (auto& c : concepts) c = trim(c);
    if (row[2] != "-" && row[2] != "n/a") {
      for (const auto& c : concepts) {
        EXPECT_TRUE(is_pgwarden_concept(c))
            << "mapping.tsv: " << row[1] << " maps to '" << c
            << "', which is neither a lint rule nor a policy action";
      }
    }
    m.concepts[key] = std::move(concepts);
  }
  return m;
}

struct Difference {
  bool expected_flag = false;
  bool pgwarden_flag = false;
  std::string reason;
};

std::map<std::string, Difference> read_differences(const std::string& peer) {
  std::map<std::string, Difference> out;
  for (const auto& row : read_tsv(data_dir() / "differences.tsv", "peer", 5)) {
    if (row[0] != peer) continue;
    for (const auto& v : {row[2], row[3]}) {
      EXPECT_TRUE(v == "flag" || v == "pass")
          << "differences.tsv: " << row[1] << ": '" << v << "' is not flag or pass";
    }
    EXPECT_NE(row[2], row[3]) << "differences.tsv: " << row[1] << " lists no difference";
    EXPECT_FALSE(trim(row[4]).empty()) << "differences.tsv: " << row[1] << " gives no reason";
    EXPECT_FALSE(out.contains(row[1])) << "differences.tsv lists " << row[1] << " twice";
    out[row[1]] = {row[2] == "flag", row[3] == "flag", row[4]};
  }
  return out;
}

// ---- Running pgwarden -----------------------------------------------------------------------

std::string quoted_arg(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The rules and actions `pgwarden lint` reports for `sql` as one migration (approved findings
// included), or an error.
std::optional<std::set<std::string>> lint_rules(const std::string& sql, const fs::path& dir,
                                                std::string& error) {
  auto failed = [&](std::string why) {
    error = std::move(why);
    return std::nullopt;
  };
  const fs::path file = dir / "migration.sql";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << sql;
  const std::string command = quoted_arg(PGWARDEN_BINARY) + " lint --format json --policy " +
                              quoted_arg((data_dir() / "pgwarden.toml").string()) + " " +
                              quoted_arg(file.string()) + " </dev/null 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return failed("cannot run " + command);
  std::string out;
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;)
    out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != 0 && code != 1) return failed("exit " + std::to_string(code) + ": " + out);
  const auto json = nlohmann::json::parse(out, nullptr, false);
  if (json.is_discarded() || !json.contains("findings")) return failed("not a JSON report: " + out);
  std::set<std::string> rules;
  for (const auto& f : json["findings"]) rules.insert(f.value("rule", ""));
  return rules;
}

// ---- Scoring --------------------------------------------------------------------------------

struct Figures {
  std::size_t cases = 0, in_scope = 0, agree = 0, differ_documented = 0, out_of_scope = 0,
              not_applicable = 0, not_run = 0;
};

std::string yes(bool flag) {
  return flag ? "flag" : "pass";
}

// Lints the in-scope cases of one peer and checks each against the peer and differences.tsv.
Figures score(const std::string& peer, const std::vector<Case>& cases, const Mapping& mapping) {
  const auto differences = read_differences(peer);
  const fs::path dir =
      fs::temp_directory_path() / ("pgwarden-conformance-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Figures fig;
  std::set<std::string> seen;
  for (const auto& c : cases) {
    ++fig.cases;
    seen.insert(c.id);
    if (peer == "bytebase" && k_bytebase_not_run.contains(c.rule)) {
      ++fig.not_run;
      continue;
    }
    const auto found = mapping.concepts.find({peer, c.rule});
    if (found == mapping.concepts.end()) continue;  // reported by MappingNamesEveryPeerRule
    const auto& concepts = found->second;
    if (concepts == std::vector<std::string>{"-"}) {
      ++fig.out_of_scope;
    } else if (concepts == std::vector<std::string>{"n/a"}) {
      ++fig.not_applicable;
    }
    const auto listed = differences.find(c.id);
    if (concepts == std::vector<std::string>{"-"} || concepts == std::vector<std::string>{"n/a"}) {
      EXPECT_TRUE(listed == differences.end())
          << "differences.tsv lists " << c.id << ", which is not scored";
      continue;
    }
    ++fig.in_scope;
    std::string error;
    const auto rules = lint_rules(c.sql, dir, error);
    if (!rules) {
      ADD_FAILURE() << c.id << ": pgwarden lint failed: " << error;
      continue;
    }
    const bool flagged = std::any_of(concepts.begin(), concepts.end(),
                                     [&](const auto& k) { return rules->contains(k); });
    std::string reported;
    for (const auto& r : *rules) reported += (reported.empty() ? "" : " ") + r;
    if (flagged == c.must_flag) {
      ++fig.agree;
      EXPECT_TRUE(listed == differences.end())
          << c.id << " agrees with " << peer << " now (" << yes(flagged)
          << "): remove it from tests/conformance/differences.tsv and update docs/conformance.md";
      continue;
    }
    if (listed == differences.end()) {
      ADD_FAILURE() << c.id << ": " << peer << " expects " << yes(c.must_flag)
                    << ", pgwarden gives " << yes(flagged) << " (concepts "
                    << testing::PrintToString(concepts) << "; pgwarden reported: " << reported
                    << "). Fix pgwarden, or list the case in tests/conformance/differences.tsv "
                       "with the reason.\n"
                    << c.sql;
      continue;
    }
    EXPECT_EQ(listed->second.expected_flag, c.must_flag)
        << "differences.tsv: wrong expected value for " << c.id;
    EXPECT_EQ(listed->second.pgwarden_flag, flagged)
        << "differences.tsv: wrong pgwarden value for " << c.id;
    ++fig.differ_documented;
  }
  for (const auto& [id, d] : differences) {
    EXPECT_TRUE(seen.contains(id))
        << "differences.tsv lists " << id << ", which is not a " << peer << " case";
  }
  fs::remove_all(dir);
  return fig;
}

void print(const std::string& peer, const Figures& f) {
  const double percent =
      f.in_scope == 0 ? 0.0
                      : 100.0 * static_cast<double>(f.agree) / static_cast<double>(f.in_scope);
  std::ostringstream line;
  line << peer << ": " << f.cases << " cases; in scope " << f.in_scope << ": agree " << f.agree
       << " (" << static_cast<int>(percent * 10 + 0.5) / 10.0 << "%), differ (documented) "
       << f.differ_documented << "; out of scope " << f.out_of_scope << "; not applicable "
       << f.not_applicable;
  if (f.not_run != 0) line << "; not run upstream " << f.not_run;
  std::cout << "[ conformance ] " << line.str() << "\n";
  testing::Test::RecordProperty("agreement", line.str());
}

bool corpora_present() {
  return fs::exists(conformance_dir() / "pgls-safety") &&
         fs::exists(conformance_dir() / "bytebase-pg");
}

#define SKIP_WITHOUT_CORPORA()                                                                     \
  if (!corpora_present())                                                                          \
  GTEST_SKIP() << "peer corpora absent: " << conformance_dir()                                     \
               << " (../shared/conformance/ with pgls-safety/ and bytebase-pg/); the conformance " \
                  "is NOT checked"

}  // namespace

TEST(Conformance, MappingNamesEveryPeerRuleAndOnlyPgwardenConcepts) {
  SKIP_WITHOUT_CORPORA();
  const Mapping mapping = read_mapping();
  std::set<std::string> pgls_folders;
  std::set<std::string> bytebase_files;
  std::vector<std::string> errors;
  pgls_cases(pgls_folders);
  bytebase_cases(bytebase_files, errors);
  std::set<std::pair<std::string, std::string>> peer_rules;
  for (const auto& r : pgls_folders) peer_rules.insert({"pgls", r});
  for (const auto& r : k_pgls_without_cases) peer_rules.insert({"pgls", r});
  for (const auto& f : bytebase_files) peer_rules.insert({"bytebase", f});
  for (const auto& key : peer_rules) {
    EXPECT_TRUE(mapping.concepts.contains(key))
        << "mapping.tsv has no row for " << key.first << " " << key.second;
  }
  for (const auto& [key, concepts] : mapping.concepts) {
    EXPECT_TRUE(peer_rules.contains(key)) << "mapping.tsv maps " << key.first << " " << key.second
                                          << ", which the corpus does not have";
  }
}

TEST(Conformance, CorporaReadAsTheirReadmeCounts) {
  SKIP_WITHOUT_CORPORA();
  std::set<std::string> folders;
  std::set<std::string> files;
  std::vector<std::string> errors;
  const auto pgls = pgls_cases(folders);
  const auto bytebase = bytebase_cases(files, errors);
  EXPECT_TRUE(errors.empty()) << testing::PrintToString(errors);
  auto flags = [](const std::vector<Case>& cases, bool scored_only) {
    std::size_t n = 0, flag = 0;
    for (const auto& c : cases) {
      if (scored_only && k_bytebase_not_run.contains(c.rule)) continue;
      ++n;
      flag += c.must_flag ? 1 : 0;
    }
    return std::make_pair(n, flag);
  };
  // ../shared/conformance/README.md: pgls 49 folders, 128 cases (81 must-flag); Bytebase 56 files,
  // 362 cases, of which the 53 files run upstream hold 353. The Bytebase must-flag counts are the
  // sums of the README's per-file table (219, 212 scored); its totals line says 223 and 216
  // because it also counts the four items whose `want:` is null, which are must-pass.
  EXPECT_EQ(folders.size(), 49U);
  EXPECT_EQ(flags(pgls, false), std::make_pair(std::size_t{128}, std::size_t{81}));
  EXPECT_EQ(files.size(), 56U);
  EXPECT_EQ(flags(bytebase, false), std::make_pair(std::size_t{362}, std::size_t{219}));
  EXPECT_EQ(flags(bytebase, true), std::make_pair(std::size_t{353}, std::size_t{212}));
}

TEST(Conformance, BytebaseYamlScalarsReadAsYamlSays) {
  const std::string text =
      "# comment\n"
      "- statement: |-\n"
      "    CREATE TABLE t (\n"
      "      id int\n"
      "    );\n"
      "\n"
      "    SELECT 1;\n"
      "\n"
      "  changeType: 1\n"
      "  want:\n"
      "    - status: 2\n"
      "      startposition:\n"
      "        line: 1\n"
      "    - status: 2\n"
      "- statement: |\n"
      "    SELECT 2;\n"
      "\n"
      "# Test: next\n"
      "- statement: \"a\\nb \\\"c\\\"\"\n"
      "  want:\n"
      "- statement: 'it''s'\n"
      "- statement: SELECT * FROM t WHERE a = 1 # comment\n"
      "  want: null\n";
  std::string error;
  const auto items = BytebaseYaml(text).parse(error);
  ASSERT_TRUE(items) << error;
  ASSERT_EQ(items->size(), 5U);
  EXPECT_EQ((*items)[0].statement, "CREATE TABLE t (\n  id int\n);\n\nSELECT 1;");
  EXPECT_EQ((*items)[0].want, 2U);
  EXPECT_EQ((*items)[1].statement, "SELECT 2;\n");
  EXPECT_EQ((*items)[1].want, 0U);
  EXPECT_EQ((*items)[2].statement, "a\nb \"c\"");
  EXPECT_EQ((*items)[2].want, 0U);
  EXPECT_EQ((*items)[3].statement, "it's");
  EXPECT_EQ((*items)[4].statement, "SELECT * FROM t WHERE a = 1");
  EXPECT_FALSE(BytebaseYaml("- statement: >\n    folded\n").parse(error));
  EXPECT_FALSE(BytebaseYaml("- statment: x\n").parse(error));
}

TEST(Conformance, PglsSafetySpecs) {
  SKIP_WITHOUT_CORPORA();
  std::set<std::string> folders;
  const auto cases = pgls_cases(folders);
  const Figures f = score("pgls", cases, read_mapping());
  print("pgls", f);
  EXPECT_GT(f.in_scope, 0U);
}

TEST(Conformance, BytebasePostgresAdvisorTests) {
  SKIP_WITHOUT_CORPORA();
  std::set<std::string> files;
  std::vector<std::string> errors;
  const auto cases = bytebase_cases(files, errors);
  ASSERT_TRUE(errors.empty()) << testing::PrintToString(errors);
  const Figures f = score("bytebase", cases, read_mapping());
  print("bytebase", f);
  EXPECT_GT(f.in_scope, 0U);
}
