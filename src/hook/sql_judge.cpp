#include "hook/sql_judge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "policy/evaluate.hpp"
#include "sql/analyzer.hpp"

namespace pgwarden::hook {
namespace {

namespace fs = std::filesystem;

// psql goes on after a failed statement of a file or of its standard input unless ON_ERROR_STOP
// is set or it runs them in one transaction; a -c string is one query, which stops at an
// error. Where it goes on, what a statement creates may never have existed for the next one.
bool stops_on_error(const Invocation& inv) {
  if (inv.has("--single-transaction")) return true;
  for (const Arg* a : inv.positionals) {
    if (a->is("-1")) return true;  // read as a number, not an option, by the tool tables
  }
  for (const auto& o : inv.options) {
    if (o.name != "-v" && o.name != "--set" && o.name != "--variable") continue;
    const std::string value = o.has_inline ? o.inline_value : (o.value != nullptr && o.value->value ? *o.value->value : "");
    if (value.rfind("ON_ERROR_STOP=", 0) != 0) continue;
    const std::string v = value.substr(14);
    if (v != "0" && v != "off" && v != "false" && v != "no") return true;
  }
  return false;
}

}  // namespace

Input unknown_input(std::string origin) {
  return {Input::Kind::unknown, {}, std::move(origin)};
}
Input text_input(std::string text, std::string origin) {
  return {Input::Kind::text, std::move(text), std::move(origin)};
}

std::string shorten(std::string_view s, std::size_t max) {
  std::string out(s.substr(0, std::min(s.size(), s.find('\n'))));
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  if (out.size() < s.size() && !out.ends_with("...")) out += " ...";
  return out;
}


Verdict verdict_of(policy::Decision d) {
  switch (d) {
    case policy::Decision::allow:
      return Verdict::allow;
    case policy::Decision::warn:
      return Verdict::warn;
    case policy::Decision::approve:
      return Verdict::ask;
    case policy::Decision::deny:
      return Verdict::deny;
  }
  return Verdict::deny;
}

void SqlJudge::sources(const ToolRule& rule, const Invocation& inv, const std::function<Input()>& standard_input,
                       std::string_view segment, int depth) {
  const auto& spec = rule.sql;
  const bool saved = m_continues;
  m_continues = !stops_on_error(inv);
  bool given = false;
  bool reads_stdin = false;
  for (const auto& o : inv.options) {
    const bool is_text = std::find(spec.text_options.begin(), spec.text_options.end(), o.name) !=
                         spec.text_options.end();
    const bool is_file = std::find(spec.file_options.begin(), spec.file_options.end(), o.name) !=
                         spec.file_options.end();
    if (!is_text && !is_file) continue;
    given = true;
    Arg value = o.has_inline         ? Arg::known(o.inline_value)
                : o.value != nullptr ? *o.value
                                     : Arg{std::nullopt, "(missing)"};
    if (is_text) {
      const bool continues = m_continues;
      m_continues = false;  // one query
      text(value, "", segment, depth);
      m_continues = continues;
    } else if (value.is("-")) {
      reads_stdin = true;
    } else {
      input(m_walk.file(value), segment, depth);
    }
  }
  using S = SqlSource::Stdin;
  if (spec.stdin == S::always || (spec.stdin == S::by_default && !given) ||
      (spec.stdin == S::with_flag && inv.has(spec.stdin_flag))) {
    reads_stdin = true;
  }
  if (reads_stdin) input(standard_input(), segment, depth);
  m_continues = saved;
}

void SqlJudge::input(const Input& in, std::string_view segment, int depth) {
  if (in.kind == Input::Kind::none) return;  // a terminal, or nothing: no SQL to run
  if (in.kind == Input::Kind::unknown) {
    unknown(segment, "reads SQL from " + in.origin);
    return;
  }
  const bool inline_text = in.origin == "a heredoc" || in.origin == "a here-string" ||
                           in.origin == "echo" || in.origin == "printf";
  judge(in.text, inline_text ? "" : in.origin, segment, depth);
}

void SqlJudge::text(const Arg& value, const std::string& origin, std::string_view segment, int depth) {
  if (!value.value) {
    unknown(segment, "runs SQL that is not known until the command runs (" +
                             shorten(value.text, 80) + ")");
    return;
  }
  judge(*value.value, origin, segment, depth);
}

void SqlJudge::unknown(std::string_view segment, std::string what) {
  ask(std::string(segment), std::move(what),
      "write the SQL into the command, or into a file that exists here, so that pgwarden can "
      "judge it",
      "unknown-sql");
}

void SqlJudge::judge(std::string_view text, const std::string& origin, std::string_view segment, int depth) {
  if (depth > m_options.max_depth) {
    ask(std::string(segment), "includes SQL files deeper than pgwarden follows", "",
        "depth-limit");
    return;
  }
  sql::AnalyzeOptions options;
  options.psql_meta_commands = true;
  if (text.find('\\') != std::string_view::npos) meta_commands(text, origin, segment, depth);
  const std::string prefix = origin.empty() ? "" : origin + ": ";
  for (const auto& st : sql::analyze(text, options)) {
    const auto verdict = policy::evaluate(st, m_policy, m_unit, nullptr,
                                          m_continues ? policy::UnitState::Outcome::pending
                                                      : policy::UnitState::Outcome::confirmed);
    if (verdict.decision == policy::Decision::allow) continue;
    for (const auto& f : verdict.findings) {
      Reason r;
      r.command = std::string(segment);
      r.verdict = verdict_of(f.decision);
      r.rule = "policy:" + std::string(sql::to_string(f.action));
      r.alternative = f.hint;
      if (f.action == sql::Action::parse_error) {
        if (r.verdict == Verdict::deny) r.verdict = Verdict::ask;
        r.what = fmt::format("{}`{}` does not parse as PostgreSQL: {}", prefix,
                             shorten(st.text, 80), f.message);
        r.alternative = "correct the SQL; pgwarden judges only SQL it can read";
      } else {
        r.what = fmt::format("{}{} ({})", prefix, f.message, f.rule);
      }
      if (r.verdict != Verdict::allow) m_walk.add(std::move(r));
    }
  }
}

// psql's backslash commands that run more than the SQL in front of them.
void SqlJudge::meta_commands(std::string_view text, const std::string& origin, std::string_view segment,
                             int depth) {
  std::vector<sql::Chunk> metas;
  sql::SplitOptions split;
  split.psql_meta_commands = true;
  split.meta_commands = &metas;
  sql::split_statements(text, split);
  for (const auto& m : metas) {
    std::string_view line = text.substr(m.begin + 1, m.end - m.begin - 1);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    const auto space = line.find_first_of(" \t");
    const std::string_view name = line.substr(0, space);
    std::string_view arg =
        space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    while (!arg.empty() && (arg.front() == ' ' || arg.front() == '\t')) arg.remove_prefix(1);
    while (!arg.empty() && (arg.back() == ' ' || arg.back() == '\t')) arg.remove_suffix(1);
    if (arg.size() >= 2 && arg.front() == '\'' && arg.back() == '\'')
      arg = arg.substr(1, arg.size() - 2);
    if (name == "i" || name == "include" || name == "ir" || name == "include_relative") {
      std::string file(arg);
      if ((name == "ir" || name == "include_relative") && !origin.empty() &&
          !fs::path(file).is_absolute()) {
        file = (fs::path(origin).parent_path() / file).string();
      }
      const Input in = m_walk.file(Arg::known(file));
      if (in.kind == Input::Kind::text) {
        judge(in.text, file, segment, depth + 1);
      } else {
        unknown(segment, "includes SQL from " + in.origin);
      }
    } else if (name == "gexec") {
      ask(std::string(segment),
          "runs the rows its query returns as SQL (\\gexec), which cannot be known until it runs",
          "run the query without \\gexec, read the statements it produces, and run the ones you "
          "mean",
          "unknown-sql");
    } else if (name == "!") {
      m_walk.script(arg, depth + 1);
    }
  }
}

void SqlJudge::ask(std::string command, std::string what, std::string alternative, const char* rule) {
  m_walk.add(Reason{Verdict::ask, std::move(command), std::move(what), std::move(alternative), rule});
}

}  // namespace pgwarden::hook
