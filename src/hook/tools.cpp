#include "hook/tools.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <unordered_map>

#include "common/glob.hpp"

namespace pgwarden::hook {
namespace data {
extern const std::string_view k_programs_tsv;
extern const std::string_view k_rules_tsv;
extern const std::string_view k_consent_tsv;
}  // namespace data

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto at = s.find(sep, start);
    out.push_back(
        s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::vector<std::string> list(std::string_view field, char sep) {
  std::vector<std::string> out;
  if (field == "-" || field.empty()) return out;
  for (auto part : split(field, sep)) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

// The rows of a table: lines that are neither empty nor comments, split at tabs.
std::vector<std::vector<std::string_view>> rows(std::string_view tsv, std::size_t columns,
                                                const char* name) {
  std::vector<std::vector<std::string_view>> out;
  int line_no = 0;
  for (auto line : split(tsv, '\n')) {
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto cells = split(line, '\t');
    if (cells.size() != columns) {
      // The tables are compiled in and checked by the tests; a broken row is a build defect.
      std::fprintf(stderr,
                   "pgwarden: internal error: src/hook/data/%s line %d has %zu columns, not %zu\n",
                   name, line_no, cells.size(), columns);
      std::abort();
    }
    out.push_back(std::move(cells));
  }
  return out;
}

struct Tables {
  std::deque<Program> programs;  // stable addresses: rules point at them
  std::vector<Program> program_list;
  // Every name of every program, to the first program of `programs` that has it: the hook looks
  // up every command of a string, so a 1 MB chain makes tens of thousands of lookups.
  std::unordered_map<std::string_view, const Program*> by_name;
  std::vector<ToolRule> rules;
  std::vector<std::string> consent_env;
  std::vector<std::string> consent_options;
  std::vector<std::string> consent_words;
};

SqlSource parse_sql_effect(std::string_view spec) {  // "text=-c,--command;file=-f;stdin=default"
  SqlSource s;
  for (auto item : split(spec, ';')) {
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const auto key = item.substr(0, eq);
    const auto value = item.substr(eq + 1);
    if (key == "text") s.text_options = list(value, ',');
    if (key == "file") s.file_options = list(value, ',');
    if (key == "stdin") {
      if (value == "default") s.stdin = SqlSource::Stdin::by_default;
      if (value == "always") s.stdin = SqlSource::Stdin::always;
      if (value.starts_with("flag:")) {
        s.stdin = SqlSource::Stdin::with_flag;
        s.stdin_flag = std::string(value.substr(5));
      }
    }
  }
  return s;
}

Tables load() {
  Tables t;
  for (const auto& r : rows(data::k_programs_tsv, 5, "programs.tsv")) {
    Program p;
    p.name = std::string(r[0]);
    for (const auto& n : list(r[1], ',')) {
      const auto gt = n.find('>');
      if (gt == std::string::npos) {
        p.names.push_back(n);
      } else {  // "docker-compose>compose": its own program entry with the implied word
        Program alias;
        alias.name = p.name;
        alias.names = {n.substr(0, gt)};
        alias.implied = list(n.substr(gt + 1), ' ');
        alias.tasks = r[2] == "tasks";
        alias.value_options = list(r[3], ',');
        alias.help_options = list(r[4], ',');
        t.programs.push_back(std::move(alias));
      }
    }
    p.tasks = r[2] == "tasks";
    p.value_options = list(r[3], ',');
    p.help_options = list(r[4], ',');
    t.programs.push_front(std::move(p));
  }
  for (const auto& r : rows(data::k_rules_tsv, 8, "rules.tsv")) {
    ToolRule rule;
    rule.id = std::string(r[0]);
    for (const auto& p : t.programs) {
      if (p.name == r[1] && p.implied.empty()) rule.program = &p;
    }
    if (rule.program == nullptr) {
      std::fprintf(stderr, "pgwarden: internal error: rules.tsv row %s names an unknown program\n",
                   rule.id.c_str());
      std::abort();
    }
    if (r[2] != "-") {
      for (auto w : split(r[2], ' ')) rule.words.push_back(list(w, '|'));
    }
    for (auto group : list(r[3], ';')) rule.required.push_back(list(group, '|'));
    rule.unless = list(r[4], '|');
    const auto effect = r[5];
    if (effect == "ask") {
      rule.effect = ToolRule::Effect::ask;
    } else if (effect.starts_with("sql(") && effect.ends_with(")")) {
      rule.effect = ToolRule::Effect::sql;
      rule.sql = parse_sql_effect(effect.substr(4, effect.size() - 5));
    } else if (auto a = sql::action_from_string(effect)) {
      rule.action = *a;
    } else {
      std::fprintf(stderr, "pgwarden: internal error: rules.tsv row %s has an unknown effect\n",
                   rule.id.c_str());
      std::abort();
    }
    rule.reason = std::string(r[6]);
    rule.alternative = r[7] == "-" ? std::string() : std::string(r[7]);
    t.rules.push_back(std::move(rule));
  }
  for (const auto& r : rows(data::k_consent_tsv, 2, "consent.tsv")) {
    auto& into = r[0] == "env"      ? t.consent_env
                 : r[0] == "option" ? t.consent_options
                                    : t.consent_words;
    into.emplace_back(r[1]);
  }
  t.program_list.assign(t.programs.begin(), t.programs.end());
  for (const auto& p : t.programs) {
    for (const auto& n : p.names) t.by_name.emplace(n, &p);  // the first program keeps a name
  }
  return t;
}

const Tables& tables() {
  static const Tables t = load();
  return t;
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool is_negative_number(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool word_matches(const std::vector<std::string>& alternatives, const Arg& arg) {
  if (!arg.value) return false;
  return std::any_of(alternatives.begin(), alternatives.end(), [&](const std::string& g) {
    auto glob = Glob::compile(g);
    return glob && glob->matches(*arg.value);
  });
}

}  // namespace

bool Invocation::has(std::string_view option) const {
  return std::any_of(options.begin(), options.end(),
                     [&](const Option& o) { return o.name == option; });
}

const Program* find_program(std::string_view argv0) {
  const auto& by_name = tables().by_name;
  const auto it = by_name.find(basename(argv0));
  return it == by_name.end() ? nullptr : it->second;
}

Invocation read_invocation(const Program& program, std::span<const Arg> argv) {
  Invocation inv;
  inv.program = &program;
  for (const auto& w : program.implied) {  // "docker-compose": the implied "compose"
    inv.implied.push_back(Arg::known(w));
    inv.positionals.push_back(&inv.implied.back());
  }
  bool options_done = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const Arg& a = argv[i];
    if (!a.value) {  // unknown: an option only if its known prefix says so
      if (!options_done && a.text.starts_with('-')) {
        inv.options.push_back({a.text.substr(0, a.text.find('=')), nullptr, {}, false});
      } else {
        inv.positionals.push_back(&a);
      }
      continue;
    }
    const std::string& v = *a.value;
    if (options_done || v.size() < 2 || v[0] != '-' ||
        (is_negative_number(v) && !contains(program.value_options, v) &&
         !contains(program.help_options, v))) {
      inv.positionals.push_back(&a);
      continue;
    }
    if (v == "--") {
      options_done = true;
      continue;
    }
    Invocation::Option o;
    if (const auto eq = v.find('='); eq != std::string::npos) {
      o.name = v.substr(0, eq);
      o.inline_value = v.substr(eq + 1);
      o.has_inline = true;
    } else if (contains(program.value_options, v)) {
      o.name = v;
      if (i + 1 < argv.size()) o.value = &argv[++i];
    } else if (v[1] != '-' && v.size() > 2 && contains(program.value_options, v.substr(0, 2))) {
      o.name = v.substr(0, 2);  // -fFILE, -cSQL
      o.inline_value = v.substr(2);
      o.has_inline = true;
    } else {
      o.name = v;
    }
    inv.options.push_back(std::move(o));
  }
  return inv;
}

const ToolRule* match_rule(const Invocation& inv) {
  for (const auto& h : inv.program->help_options) {
    if (inv.has(h)) return nullptr;
    if (!h.starts_with('-') && !inv.positionals.empty() && inv.positionals.front()->is(h))
      return nullptr;
  }
  for (const auto& rule : tables().rules) {
    if (rule.program->name != inv.program->name) continue;
    bool words = true;
    if (inv.program->tasks) {  // each word of the rule is a task that may be anywhere
      for (const auto& alternatives : rule.words) {
        words = words && std::any_of(inv.positionals.begin(), inv.positionals.end(),
                                     [&](const Arg* a) { return word_matches(alternatives, *a); });
      }
    } else {
      words = rule.words.size() <= inv.positionals.size();
      for (std::size_t i = 0; words && i < rule.words.size(); ++i)
        words = word_matches(rule.words[i], *inv.positionals[i]);
    }
    if (!words) continue;
    const bool required =
        std::all_of(rule.required.begin(), rule.required.end(), [&](const auto& group) {
          return std::any_of(group.begin(), group.end(),
                             [&](const std::string& o) { return inv.has(o); });
        });
    if (!required) continue;
    if (std::any_of(rule.unless.begin(), rule.unless.end(),
                    [&](const std::string& o) { return inv.has(o); }))
      continue;
    return &rule;
  }
  return nullptr;
}

std::vector<std::string> written_consent(const Invocation& inv,
                                         std::span<const std::pair<std::string, std::string>> env) {
  std::vector<std::string> out;
  const auto& t = tables();
  for (const auto& [name, value] : env) {
    if (contains(t.consent_env, name)) out.push_back(name + "=" + value);
  }
  for (const auto& o : inv.options) {
    if (contains(t.consent_options, o.name) && !contains(inv.program->value_options, o.name))
      out.push_back(o.name);
  }
  for (const Arg* p : inv.positionals) {
    if (p->value && contains(t.consent_words, *p->value)) out.push_back(*p->value);
  }
  return out;
}

std::span<const ToolRule> all_rules() {
  return tables().rules;
}
std::span<const Program> all_programs() {
  return tables().program_list;
}

}  // namespace pgwarden::hook
