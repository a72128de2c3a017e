#include "hook/judge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "hook/json_reader.hpp"
#include "hook/shell.hpp"
#include "hook/sql_judge.hpp"
#include "hook/tools.hpp"
#include "hook/wrappers.hpp"
#include "policy/evaluate.hpp"
#include "sql/analyzer.hpp"

namespace pgwarden::hook {
namespace {

namespace fs = std::filesystem;

std::string decision_rule(const policy::Policy& policy, sql::Action action) {
  const auto d = policy.decision(action);
  const std::string setting =
      fmt::format("{} = \"{}\"", sql::to_string(action), policy::to_string(d));
  return policy.action_from_file[static_cast<std::size_t>(action)]
             ? "[actions] " + setting
             : "the built-in default " + setting;
}

}  // namespace

bool touches_database(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() &&
           (std::isspace(static_cast<unsigned char>(text[i])) != 0 ||
            std::string_view("'\"`;&|()<>$={}").find(text[i]) != std::string_view::npos))
      ++i;
    std::size_t j = i;
    while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j])) == 0 &&
           std::string_view("'\"`;&|()<>$={}").find(text[j]) == std::string_view::npos)
      ++j;
    if (j > i) {
      auto word = text.substr(i, j - i);
      if (const auto at = word.find('@', 1); at != std::string_view::npos)
        word = word.substr(0, at);
      if (find_program(word) != nullptr) return true;
    }
    i = j;
  }
  return false;
}

namespace {

class Judge {
 public:
  Judge(const policy::Policy& policy, const JudgeOptions& options)
      : m_policy(policy), m_options(options), m_cwd(options.cwd) {
    m_outcome.policy_name = policy.name;
    m_outcome.policy_document = policy.document;
  }

  Outcome run(std::string_view command) {
    script(command, 0);
    return std::move(m_outcome);
  }

 private:
  // --- shell ------------------------------------------------------------------------------------

  void script(std::string_view text, int depth) {
    if (depth > m_options.max_depth) {
      if (touches_database(text))
        ask(shorten(text),
            "nests wrappers and shells deeper than pgwarden follows (" +
                std::to_string(m_options.max_depth) + " levels)",
            "run the database command directly, without the wrappers", "depth-limit");
      return;
    }
    // Streamed: each top-level pipeline is judged as soon as it is parsed and then dropped, so
    // a long `a && b && ...` chain never holds its whole tree. The pipelines before a syntax
    // error are judged too; the error then adds its own answer.
    const Frame frame{text, depth};
    auto parsed = shell::parse_each(text, [&](const shell::Pipeline& p) { pipeline(p, frame); });
    if (!parsed && touches_database(text)) {
      ask(shorten(text), "could not be read as a shell command (" + parsed.error().message + ")",
          "write the command plainly, with balanced quotes", "shell-parse-error");
    }
  }

  struct Frame {
    std::string_view source;  // the text the offsets of this script refer to
    int depth;
  };

  // A command's standard input, worked out when a program that reads it asks: most commands
  // never do, and working it out expands the command before it in the pipeline or reads a file.
  struct Stdin {
    const shell::Command* command;
    const shell::Command* upstream;
    const Frame* frame;
    mutable std::optional<Input> input;
  };

  const Input& input(const Stdin& s) const {
    if (!s.input) s.input = input_of(*s.command, s.upstream, *s.frame);
    return *s.input;
  }

  void walk(const shell::Script& s, const Frame& f) {
    for (const auto& item : s.items) {
      for (const auto& p : item.pipelines) pipeline(p, f);
    }
  }

  void pipeline(const shell::Pipeline& p, const Frame& f) {
    for (std::size_t i = 0; i < p.commands.size(); ++i)
      command(p.commands[i], i > 0 ? &p.commands[i - 1] : nullptr, f);
  }

  void substitutions(const shell::Word& w, const Frame& f) {
    for (const auto& part : w.parts) {
      if (part.kind == shell::WordPart::Kind::command && part.script)
        walk(*part.script, {part.source, f.depth});
    }
  }

  void command(const shell::Command& c, const shell::Command* upstream, const Frame& f) {
    for (const auto& w : c.words) substitutions(w, f);
    for (const auto& a : c.assignments) {
      substitutions(a.value, f);
      for (const auto& e : a.elements) substitutions(e, f);
    }
    for (const auto& r : c.redirects) {
      substitutions(r.target, f);
      substitutions(r.body, f);
    }
    if (c.kind != shell::Command::Kind::simple) {
      if (c.kind == shell::Command::Kind::for_loop) m_vars[c.name] = std::nullopt;
      for (const auto& b : c.bodies) walk(b, f);
      return;
    }
    if (c.words.empty()) {  // NAME=value ...: remembered for later $NAME
      for (const auto& a : c.assignments)
        m_vars[a.name] = a.array ? std::nullopt : expand(a.value).value;
      return;
    }
    Arg argv0 = expand(c.words[0]);
    if (argv0.value && argv0.value->find('/') == std::string::npos &&
        builtin(*argv0.value) == Builtin::none && !is_wrapper(*argv0.value) &&
        find_program(*argv0.value) == nullptr)
      return;  // grep, git, ls ...: nothing here runs a database tool or changes what follows
    Argv argv;
    argv.reserve(c.words.size());
    argv.push_back(std::move(argv0));
    for (std::size_t i = 1; i < c.words.size(); ++i) argv.push_back(expand(c.words[i]));
    std::vector<std::pair<std::string, std::string>> env;
    for (const auto& a : c.assignments) {
      const Arg v = expand(a.value);
      env.emplace_back(a.name, v.value.value_or(v.text));
    }
    const std::string_view segment = c.end > c.begin && c.end <= f.source.size()
                                         ? f.source.substr(c.begin, c.end - c.begin)
                                         : f.source;
    builtins(argv);
    run(argv, env, Stdin{&c, upstream, &f, {}}, segment, f.depth);
  }

  // The builtins that change what later commands of the same string mean.
  enum class Builtin : unsigned char { none, cd, assigns, forgets };

  static Builtin builtin(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, Builtin>, 10> k_builtins{{
        {"cd", Builtin::cd},
        {"export", Builtin::assigns},
        {"declare", Builtin::assigns},
        {"local", Builtin::assigns},
        {"readonly", Builtin::assigns},
        {"typeset", Builtin::assigns},
        {"unset", Builtin::forgets},
        {"read", Builtin::forgets},
        {"mapfile", Builtin::forgets},
        {"readarray", Builtin::forgets},
    }};
    for (const auto& [n, b] : k_builtins) {
      if (n == name) return b;
    }
    return Builtin::none;
  }

  // cd changes the directory of relative file names; export NAME=value (and its kin) sets a
  // variable for later $NAME; unset and read make it unknown.
  void builtins(const Argv& argv) {
    if (!argv[0].value) return;
    switch (builtin(*argv[0].value)) {
      case Builtin::cd:
        if (argv.size() < 2) return;
        if (argv[1].value) {
          m_cwd = fs::path(*argv[1].value).is_absolute() ? fs::path(*argv[1].value)
                                                         : m_cwd / *argv[1].value;
        } else {
          m_cwd_known = false;
        }
        return;
      case Builtin::assigns:
        for (std::size_t i = 1; i < argv.size(); ++i) {
          const auto& t = argv[i].text;
          const auto eq = t.find('=');
          if (eq == std::string::npos) continue;
          m_vars[t.substr(0, eq)] = argv[i].value
                                        ? std::optional<std::string>(argv[i].value->substr(eq + 1))
                                        : std::nullopt;
        }
        return;
      case Builtin::forgets:
        for (std::size_t i = 1; i < argv.size(); ++i) {
          if (argv[i].value && !argv[i].value->starts_with('-'))
            m_vars[*argv[i].value] = std::nullopt;
        }
        return;
      case Builtin::none:
        return;
    }
  }

  Arg expand(const shell::Word& w) const {
    Arg out{std::string(), std::string()};
    for (const auto& p : w.parts) {
      out.text += p.kind == shell::WordPart::Kind::literal ? p.text : p.source;
      if (!out.value) continue;
      switch (p.kind) {
        case shell::WordPart::Kind::literal:
          *out.value += p.text;
          break;
        case shell::WordPart::Kind::parameter: {
          const auto it = m_vars.find(p.text);
          if (!p.has_operator && it != m_vars.end() && it->second) {
            *out.value += *it->second;
          } else {
            out.value.reset();
          }
          break;
        }
        case shell::WordPart::Kind::tilde: {
          const char* home = std::getenv("HOME");
          if (p.text == "~" && home != nullptr) {
            *out.value += home;
          } else {
            out.value.reset();
          }
          break;
        }
        default:
          out.value.reset();
      }
    }
    return out;
  }

  // Where a file name written in the command points: absolute as it is, relative to the
  // directory the command runs in; nothing when that directory is not known (after `cd $DIR`).
  std::optional<fs::path> resolve(const std::string& name) const {
    if (fs::path(name).is_absolute()) return fs::path(name);
    if (!m_cwd_known) return std::nullopt;
    return m_cwd / name;
  }

  std::optional<std::string> read_file(const std::string& name, std::string& why) const {
    const auto resolved = resolve(name);
    if (!resolved) {
      why = name + " is relative to a directory that is not known until the command runs";
      return std::nullopt;
    }
    const fs::path& path = *resolved;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
      why = name + " does not exist here, so its SQL cannot be read";
      return std::nullopt;
    }
    if (size > m_options.max_file_bytes) {
      why = fmt::format("{} is larger than {} bytes", name, m_options.max_file_bytes);
      return std::nullopt;
    }
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    if (!f && !f.eof()) {
      why = name + " cannot be read";
      return std::nullopt;
    }
    return s.str();
  }

  // ./reset-db.sh: the text of a shell script run by its path, when it is one here: a file
  // whose first line is a shell's #! (sh, bash, zsh, dash, ksh, also through env), or a file
  // named *.sh without one (the shell runs a file without #! itself).
  std::optional<std::string> shell_script_file(const std::string& name) const {
    const auto path = resolve(name);
    if (!path) return std::nullopt;
    std::ifstream f(*path, std::ios::binary);
    std::string first(256, '\0');
    f.read(first.data(), static_cast<std::streamsize>(first.size()));
    first.resize(static_cast<std::size_t>(f.gcount()));
    if (first.empty()) return std::nullopt;
    if (first.starts_with("#!")) {
      std::string_view line(first);
      line = line.substr(2, line.find('\n') - 2);
      bool shell = false;
      for (const std::string_view sh : {"sh", "bash", "zsh", "dash", "ksh"}) {
        const auto at = line.rfind(sh);
        // the interpreter's last path component or env's argument: "/bin/sh", "env bash"
        shell = shell || (at != std::string_view::npos && at > 0 &&
                          (line[at - 1] == '/' || line[at - 1] == ' ') &&
                          (at + sh.size() == line.size() || line[at + sh.size()] == ' ' ||
                           line[at + sh.size()] == '\r'));
      }
      if (!shell) return std::nullopt;
    } else if (!name.ends_with(".sh") || first.find('\0') != std::string::npos) {
      return std::nullopt;
    }
    std::string why;
    return read_file(name, why);
  }

  Input file_input(const Arg& name) const {
    if (!name.value)
      return unknown_input("the file " + name.text +
                           ", whose name is not known until the command runs");
    std::string why;
    if (auto text = read_file(*name.value, why)) return text_input(std::move(*text), *name.value);
    return unknown_input(why);
  }

  // Standard input: the last redirection of fd 0, else the command before it in the pipeline.
  Input input_of(const shell::Command& c, const shell::Command* upstream, const Frame& f) const {
    const shell::Redirect* last = nullptr;
    for (const auto& r : c.redirects) {
      const bool fd0 = r.fd == -1 || r.fd == 0;
      using Op = shell::Redirect::Op;
      if (fd0 && (r.op == Op::input || r.op == Op::heredoc || r.op == Op::herestring ||
                  r.op == Op::read_write || r.op == Op::dup_input))
        last = &r;
    }
    if (last != nullptr) {
      using Op = shell::Redirect::Op;
      if (last->op == Op::heredoc) {
        const Arg body = expand(last->body);
        if (body.value) return text_input(*body.value, "a heredoc");
        return unknown_input("a heredoc whose text depends on variables or commands (" +
                             shorten(body.text, 60) + ")");
      }
      if (last->op == Op::herestring) {
        const Arg s = expand(last->target);
        if (s.value) return text_input(*s.value + "\n", "a here-string");
        return unknown_input("a here-string that is not known until the command runs (" +
                             shorten(s.text, 60) + ")");
      }
      if (last->op == Op::dup_input) return unknown_input("another file descriptor");
      return file_input(expand(last->target));
    }
    if (upstream == nullptr) return {};
    return output_of(*upstream, f);
  }

  // What a pipeline's producer writes: echo, printf and cat of known text; anything else is
  // unknown.
  Input output_of(const shell::Command& c, const Frame& f) const {
    const std::string_view src = c.end > c.begin && c.end <= f.source.size()
                                     ? f.source.substr(c.begin, c.end - c.begin)
                                     : std::string_view("a command");
    const Input unknown = unknown_input("the output of `" + shorten(src, 80) + "`");
    if (c.kind != shell::Command::Kind::simple || c.words.empty()) return unknown;
    Argv argv;
    for (const auto& w : c.words) argv.push_back(expand(w));
    if (!argv[0].value) return unknown;
    const std::string& name = *argv[0].value;
    std::size_t i = 1;
    if (name == "echo") {
      bool newline = true;
      while (i < argv.size() && argv[i].value &&
             (argv[i].is("-n") || argv[i].is("-e") || argv[i].is("-E") || argv[i].is("-ne") ||
              argv[i].is("-en"))) {
        if (argv[i].value->find('n') != std::string::npos) newline = false;
        ++i;
      }
      std::string out;
      for (std::size_t k = i; k < argv.size(); ++k) {
        if (!argv[k].value) return unknown;
        if (k > i) out += ' ';
        out += *argv[k].value;
      }
      return text_input(out + (newline ? "\n" : ""), "echo");
    }
    if (name == "printf") {
      if (i < argv.size() && argv[i].is("--")) ++i;
      if (i >= argv.size() || !argv[i].value) return unknown;
      std::string out;
      std::size_t next = i + 1;
      const std::string& fmt_text = *argv[i].value;
      for (std::size_t k = 0; k < fmt_text.size(); ++k) {
        const char ch = fmt_text[k];
        if (ch == '\\' && k + 1 < fmt_text.size()) {
          const char e = fmt_text[++k];
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else if (ch == '%' && k + 1 < fmt_text.size()) {
          const char spec = fmt_text[++k];
          if (spec == '%') {
            out += '%';
          } else if (spec == 's' || spec == 'b') {
            if (next < argv.size()) {
              if (!argv[next].value) return unknown;
              out += *argv[next++].value;
            }
          } else {
            return unknown;
          }
        } else {
          out += ch;
        }
      }
      if (next < argv.size()) return unknown;  // printf repeats its format for the rest
      return text_input(out, "printf");
    }
    if (name == "cat") {
      std::string out;
      std::string names;
      bool any = false;
      for (; i < argv.size(); ++i) {
        if (argv[i].value && argv[i].value->starts_with('-') && *argv[i].value != "-") continue;
        any = true;
        if (argv[i].is("-")) return unknown;
        const Input file = file_input(argv[i]);
        if (file.kind != Input::Kind::text) return file;
        out += file.text;
        names += (names.empty() ? "" : ", ") + file.origin;
      }
      if (!any) {  // cat <<EOF ... EOF | psql
        return input_of(c, nullptr, f);
      }
      return text_input(std::move(out), names);
    }
    return unknown;
  }

  // --- commands ---------------------------------------------------------------------------------

  void run(const Argv& argv, std::vector<std::pair<std::string, std::string>> env, const Stdin& in,
           std::string_view segment, int depth) {
    if (argv.empty() || !argv[0].value) return;
    if (depth > m_options.max_depth) {
      if (touches_database(segment))
        ask(std::string(segment),
            "nests wrappers deeper than pgwarden follows (" + std::to_string(m_options.max_depth) +
                " levels)",
            "run the database command directly, without the wrappers", "depth-limit");
      return;
    }
    Unwrapped u = unwrap(argv);
    switch (u.kind) {
      case Unwrapped::Kind::argv: {
        Argv inner = std::move(u.argv);
        if (u.appends_unknown)
          inner.push_back(Arg{std::nullopt, "<arguments read from standard input>"});
        env.insert(env.end(), u.env.begin(), u.env.end());
        run(inner, std::move(env), in, segment, depth + 1);
        return;
      }
      case Unwrapped::Kind::script:
        // A string with unknown parts is judged as written, each unknown part kept as its
        // source: `bash -c "psql -c \"$SQL\""` is psql with unknown SQL, and whatever is known
        // around it is judged as usual.
        script(u.script.value ? *u.script.value : u.script.text, depth + 1);
        return;
      case Unwrapped::Kind::script_file: {
        if (!u.script.value) return;
        std::string why;
        if (auto text = read_file(*u.script.value, why)) script(*text, depth + 1);
        return;
      }
      case Unwrapped::Kind::stdin_script: {
        const Input& text = input(in);
        if (text.kind == Input::Kind::text) {
          script(text.text, depth + 1);
        } else if (text.kind == Input::Kind::unknown && touches_database(text.origin)) {
          ask(std::string(segment), u.wrapper + " runs shell commands from " + text.origin, "",
              "unknown-shell");
        }
        return;
      }
      case Unwrapped::Kind::package_script:
        package_script(u, env, in, segment, depth + 1);
        return;
      case Unwrapped::Kind::none:
        break;
    }
    if (argv[0].value->find('/') != std::string::npos && find_program(*argv[0].value) == nullptr) {
      if (auto text = shell_script_file(*argv[0].value)) script(*text, depth + 1);
      return;
    }
    tool(argv, env, in, segment, depth);
  }

  // npm run NAME and its kin: npm runs `preNAME`, `NAME` and `postNAME` from the nearest
  // package.json, each with `sh -c`, the arguments after NAME appended to NAME's. A script that
  // is not there runs nothing (npm fails), unless the name is also a tool's binary (yarn prisma).
  void package_script(const Unwrapped& u, std::vector<std::pair<std::string, std::string>> env,
                      const Stdin& in, std::string_view segment, int depth) {
    const std::optional<nlohmann::json> scripts =
        u.script.value ? package_scripts(u.directory) : std::nullopt;
    const auto text_of = [&](const std::string& name) -> const std::string* {
      if (!scripts) return nullptr;
      const auto it = scripts->find(name);
      return it != scripts->end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
    };
    const std::string* body = u.script.value ? text_of(*u.script.value) : nullptr;
    if (body == nullptr) {
      if (u.or_program) run(u.argv, std::move(env), in, segment, depth);
      return;
    }
    const std::string outer = m_via;
    const auto run_script = [&](const std::string& name, const std::string& text) {
      m_via = fmt::format("{}package.json script \"{}\", run by `{}`",
                          outer.empty() ? "" : outer + "; ", name, shorten(segment, 60));
      script(text, depth);
      m_via = outer;
    };
    const std::string& name = *u.script.value;
    if (const auto* pre = text_of("pre" + name)) run_script("pre" + name, *pre);
    std::string line = *body;
    for (std::size_t i = 1; i < u.argv.size(); ++i)
      line += " " + (u.argv[i].value ? shell::quote(*u.argv[i].value) : u.argv[i].text);
    run_script(name, line);
    if (const auto* post = text_of("post" + name)) run_script("post" + name, *post);
  }

  // The "scripts" object of the package.json nearest to `directory` (relative to the current
  // directory) or above it; nothing when there is none, it cannot be read, or the directory is
  // not known.
  std::optional<nlohmann::json> package_scripts(const std::string& directory) const {
    const std::optional<fs::path> start =
        directory.empty() ? (m_cwd_known ? std::optional<fs::path>(m_cwd) : std::nullopt)
                          : resolve(directory);
    if (!start) return std::nullopt;
    fs::path dir = *start;
    std::error_code ec;
    for (int up = 0; up < 64; ++up, dir = dir.parent_path()) {
      const fs::path file = dir / "package.json";
      if (fs::exists(file, ec)) {
        std::string why;
        const auto text = read_file(file.string(), why);
        if (!text) return std::nullopt;
        nlohmann::json json = parse_json(*text);
        if (!json.is_object()) return std::nullopt;  // also when it is not JSON (discarded)
        const auto it = json.find("scripts");
        if (it == json.end() || !it->is_object()) return std::nullopt;
        return std::move(*it);
      }
      if (!dir.has_relative_path()) break;  // the root
    }
    return std::nullopt;
  }

  void tool(const Argv& argv, const std::vector<std::pair<std::string, std::string>>& env,
            const Stdin& in, std::string_view segment, int depth) {
    const Program* program = find_program(*argv[0].value);
    if (program == nullptr) return;
    const Invocation inv = read_invocation(*program, argv);
    const ToolRule* rule = match_rule(inv);
    if (rule == nullptr) return;
    if (rule->effect == ToolRule::Effect::sql) {
      m_sql.sources(*rule, inv, [&]() -> Input { return input(in); }, segment, depth);
      return;
    }
    Reason r;
    r.command = std::string(segment);
    r.rule = "tool:" + rule->id;
    r.alternative = rule->alternative;
    if (rule->effect == ToolRule::Effect::ask) {
      r.verdict = Verdict::ask;
      r.what = rule->reason;
    } else {
      r.verdict = verdict_of(m_policy.decision(rule->action));
      r.what = fmt::format("{} ({}: {})", rule->reason, sql::to_string(rule->action),
                           decision_rule(m_policy, rule->action));
    }
    if (r.verdict == Verdict::allow) return;
    if (r.verdict >= Verdict::ask) {
      const auto consent = written_consent(inv, env);
      if (!consent.empty()) {
        std::string names;
        for (const auto& c : consent) names += (names.empty() ? "" : ", ") + c;
        r.what += fmt::format(
            ". The command carries {}: consent written into a command is not a human's approval",
            names);
      }
    }
    add(std::move(r));
  }

  void ask(std::string command, std::string what, std::string alternative, const char* rule) {
    add(Reason{Verdict::ask, std::move(command), std::move(what), std::move(alternative), rule});
  }

  // Every reason goes through here: one found inside a package.json script says so, since the
  // command it names is not what the agent typed.
  void add(Reason r) {
    if (!m_via.empty()) r.what = "(" + m_via + ") " + r.what;
    m_outcome.add(std::move(r));
  }

  const policy::Policy& m_policy;
  const JudgeOptions& m_options;
  fs::path m_cwd;
  bool m_cwd_known = true;
  std::map<std::string, std::optional<std::string>> m_vars;
  SqlJudge m_sql{m_policy, m_options,
                 SqlJudge::Walk{[this](Reason r) { add(std::move(r)); },
                                [this](const Arg& name) { return file_input(name); },
                                [this](std::string_view text, int depth) { script(text, depth); }}};
  Outcome m_outcome;
  std::string m_via;  // inside a package.json script: which, and the command that runs it
};

}  // namespace

Outcome judge(std::string_view command, const policy::Policy& policy, const JudgeOptions& options) {
  return Judge(policy, options).run(command);
}

}  // namespace pgwarden::hook
