#include "hook/wrappers.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

namespace pgwarden::hook {
namespace {

using Kind = Unwrapped::Kind;

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool in(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// How a wrapper's own options look: short options that take a value (letters) and long ones.
struct OptionSpec {
  std::string_view short_values;  // e.g. "ugpCrtUDh" for sudo
  std::initializer_list<std::string_view> long_values;
  bool stop_at_dashdash = true;
};

// Skips the options starting at argv[i]; returns the index of the first operand. `--` is
// consumed. An unknown argument that starts with '-' is taken for an option without a value.
std::size_t skip_options(const Argv& argv, std::size_t i, const OptionSpec& spec) {
  while (i < argv.size()) {
    const Arg& a = argv[i];
    if (!a.value) {
      if (a.text.starts_with('-')) {
        ++i;
        continue;
      }
      return i;
    }
    const std::string& v = *a.value;
    if (v == "--" && spec.stop_at_dashdash) return i + 1;
    if (v.size() < 2 || v[0] != '-') return i;
    if (v[1] == '-') {
      const auto name = std::string_view(v).substr(0, v.find('='));
      const bool takes = std::find(spec.long_values.begin(), spec.long_values.end(), name) !=
                         spec.long_values.end();
      i += (takes && v.find('=') == std::string::npos) ? 2 : 1;
      continue;
    }
    // A cluster of short options: the first that takes a value takes the rest, or the next arg.
    std::size_t next = i + 1;
    for (std::size_t k = 1; k < v.size(); ++k) {
      if (spec.short_values.find(v[k]) != std::string_view::npos) {
        if (k + 1 == v.size()) next = i + 2;
        break;
      }
    }
    i = next;
  }
  return i;
}

Argv rest(const Argv& argv, std::size_t from) {
  if (from >= argv.size()) return {};
  return Argv(argv.begin() + static_cast<std::ptrdiff_t>(from), argv.end());
}

// The words joined with spaces, as eval, ssh and watch do; unknown when any word is.
Arg joined(const Argv& argv, std::size_t from) {
  Arg out{std::string(), std::string()};
  for (std::size_t i = from; i < argv.size(); ++i) {
    if (i > from) {
      out.text += ' ';
      if (out.value) *out.value += ' ';
    }
    out.text += argv[i].text;
    if (out.value && argv[i].value) {
      *out.value += *argv[i].value;
    } else {
      out.value.reset();
    }
  }
  return out;
}

Unwrapped as_argv(std::string wrapper, const Argv& argv, std::size_t from) {
  if (from >= argv.size()) return {};
  Unwrapped u;
  u.kind = Kind::argv;
  u.wrapper = std::move(wrapper);
  u.argv = rest(argv, from);
  return u;
}

Unwrapped as_script(std::string wrapper, Arg script, Kind kind = Kind::script) {
  Unwrapped u;
  u.kind = kind;
  u.wrapper = std::move(wrapper);
  u.script = std::move(script);
  return u;
}

bool is_assignment(const Arg& a) {
  if (!a.value) return false;
  const auto& v = *a.value;
  const auto eq = v.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  return std::all_of(
             v.begin(), v.begin() + static_cast<std::ptrdiff_t>(eq),
             [](char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)) != 0; }) &&
         std::isdigit(static_cast<unsigned char>(v[0])) == 0;
}

// bash/sh/zsh/dash/ksh [options] [-c SCRIPT [name args...] | FILE args... | (stdin)]
Unwrapped shell(const std::string& name, const Argv& argv) {
  std::size_t i = 1;
  bool dash_c = false;
  bool dash_s = false;
  while (i < argv.size()) {
    const Arg& a = argv[i];
    if (!a.value || a.value->size() < 2 || ((*a.value)[0] != '-' && (*a.value)[0] != '+')) break;
    const std::string& v = *a.value;
    ++i;
    if (v == "--" || v == "-") break;
    if (v[1] == '-') {
      if (v == "--rcfile" || v == "--init-file") ++i;
      continue;
    }
    for (std::size_t k = 1; k < v.size(); ++k) {
      if (v[k] == 'c') dash_c = true;
      if (v[k] == 's') dash_s = true;
      if (v[k] == 'o' || v[k] == 'O') ++i;  // -o pipefail
    }
  }
  if (dash_c) {
    if (i >= argv.size()) return {};
    return as_script(name + " -c", argv[i]);
  }
  if (!dash_s && i < argv.size()) return as_script(name, argv[i], Kind::script_file);
  return as_script(name, Arg::known(""), Kind::stdin_script);
}

Unwrapped docker(const std::string& name, const Argv& argv) {
  // docker [global options] exec|run|compose ...
  std::size_t i =
      skip_options(argv, 1, {"Hcl", {"--host", "--context", "--config", "--log-level"}});
  if (i >= argv.size() || !argv[i].value) return {};
  const OptionSpec exec{"euw",
                        {"--env", "--env-file", "--user", "--workdir", "--detach-keys", "--index"}};
  const OptionSpec run{
      "eunvpwlhm",
      {"--env",     "--env-file",   "--user",        "--name",     "--volume",     "--publish",
       "--workdir", "--label",      "--hostname",    "--network",  "--entrypoint", "--mount",
       "--memory",  "--cpus",       "--platform",    "--add-host", "--pull",       "--restart",
       "--link",    "--health-cmd", "--volumes-from"}};
  std::string sub = *argv[i].value;
  if (name == "docker-compose" || name == "podman-compose" || sub == "compose") {
    if (sub == "compose") {
      i = skip_options(
          argv, i + 1,
          {"fp", {"--file", "--project-name", "--profile", "--env-file", "--project-directory"}});
      if (i >= argv.size() || !argv[i].value) return {};
      sub = *argv[i].value;
    }
    if (sub != "exec" && sub != "run") return {};
    i = skip_options(argv, i + 1, sub == "exec" ? exec : run);
    return as_argv(name + " compose " + sub, argv, i + 1);  // after the service
  }
  if (sub == "exec") return as_argv(name + " exec", argv, skip_options(argv, i + 1, exec) + 1);
  if (sub == "run") return as_argv(name + " run", argv, skip_options(argv, i + 1, run) + 1);
  return {};
}

Unwrapped kubectl(const std::string& name, const Argv& argv) {
  const auto dashdash =
      std::find_if(argv.begin(), argv.end(), [](const Arg& a) { return a.is("--"); });
  const bool exec =
      std::any_of(argv.begin() + 1, dashdash, [](const Arg& a) { return a.is("exec"); });
  if (!exec) return {};
  if (dashdash != argv.end())
    return as_argv(name + " exec", argv, static_cast<std::size_t>(dashdash - argv.begin()) + 1);
  // The old form without "--": kubectl exec POD COMMAND...
  std::size_t i = 1;
  while (i < argv.size() && !argv[i].is("exec")) ++i;
  i = skip_options(
      argv, i + 1,
      {"cnf", {"--container", "--namespace", "--filename", "--context", "--kubeconfig"}});
  return as_argv(name + " exec", argv, i + 1);
}

// npx, bunx, pnpm dlx ...: the package's binary, named without its version.
Unwrapped package_runner(std::string wrapper, const Argv& argv, std::size_t i) {
  i = skip_options(argv, i,
                   {"pc", {"--package", "--call", "--node-options", "--registry", "--cache"}});
  // npx -c 'command'
  for (std::size_t k = 1; k < argv.size() && k < i; ++k) {
    if ((argv[k].is("-c") || argv[k].is("--call")) && k + 1 < argv.size())
      return as_script(wrapper + " -c", argv[k + 1]);
  }
  if (i >= argv.size()) return {};
  Unwrapped u = as_argv(std::move(wrapper), argv, i);
  if (u.argv[0].value) {  // prisma@5.2.0, @scope/tool@latest -> the binary name
    std::string& v = *u.argv[0].value;
    const auto at = v.find('@', v.starts_with('@') ? 1 : 0);
    if (at != std::string::npos) v.erase(at);
    if (v.starts_with("@prisma/")) v = "prisma";  // the old @prisma/cli package
    if (v.starts_with('@')) {
      const auto slash = v.find('/');
      if (slash != std::string::npos) v.erase(0, slash + 1);
    }
    u.argv[0].text = v;
  }
  return u;
}

// --- one function per kind of wrapper ------------------------------------------------------

Unwrapped busybox(const std::string& name, const Argv& argv) {
  return as_argv(name, argv, 1);
}

// source FILE / . FILE: the file's commands, in this shell.
Unwrapped source(const std::string& name, const Argv& argv) {
  if (argv.size() < 2) return {};
  return as_script(name, argv[1], Kind::script_file);
}

Unwrapped eval(const std::string& /*name*/, const Argv& argv) {
  return as_script("eval", joined(argv, 1));
}

Unwrapped sudo(const std::string& name, const Argv& argv) {
  Unwrapped u =
      as_argv(name, argv,
              skip_options(argv, 1,
                           {"ugpCrtUDhT",
                            {"--user", "--group", "--prompt", "--close-from", "--role", "--type",
                             "--other-user", "--chdir", "--host", "--command-timeout"}}));
  while (!u.argv.empty() && is_assignment(u.argv[0])) {  // sudo VAR=value cmd
    const auto& v = *u.argv[0].value;
    u.env.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    u.argv.erase(u.argv.begin());
  }
  if (u.argv.empty()) return {};
  return u;
}

Unwrapped su(const std::string& /*name*/, const Argv& argv) {
  for (std::size_t i = 1; i + 1 < argv.size(); ++i) {
    if (argv[i].is("-c") || argv[i].is("--command")) return as_script("su -c", argv[i + 1]);
  }
  return {};
}

Unwrapped env(const std::string& /*name*/, const Argv& argv) {
  std::size_t i = 1;
  std::vector<std::pair<std::string, std::string>> vars;
  while (i < argv.size()) {
    const Arg& a = argv[i];
    if ((a.is("-S") || a.is("--split-string")) && i + 1 < argv.size())
      return as_script("env -S", argv[i + 1]);
    if (a.is("-u") || a.is("--unset") || a.is("-C") || a.is("--chdir")) {
      i += 2;
      continue;
    }
    if (a.value && a.value->starts_with('-') && *a.value != "-") {
      ++i;
      continue;
    }
    if (is_assignment(a)) {
      vars.emplace_back(a.value->substr(0, a.value->find('=')),
                        a.value->substr(a.value->find('=') + 1));
      ++i;
      continue;
    }
    break;
  }
  if (i >= argv.size()) return {};
  Unwrapped u = as_argv("env", argv, i);
  u.env = std::move(vars);
  return u;
}

// time, nohup, command, exec ...: the command follows their options.
Unwrapped prefix(const std::string& name, const Argv& argv) {
  if (name == "command" && argv.size() > 1 && (argv[1].is("-v") || argv[1].is("-V"))) return {};
  if (name == "flock") {  // flock [options] FILE command...
    const std::size_t i =
        skip_options(argv, 1, {"wEc", {"--timeout", "--conflict-exit-code", "--command"}});
    return as_argv(name, argv, i + 1);
  }
  return as_argv(name, argv, skip_options(argv, 1, {"of", {"--output", "--format"}}));
}

// nice, ionice, stdbuf, chrt, taskset, cgexec: scheduling settings, then the command.
Unwrapped scheduling(const std::string& name, const Argv& argv) {
  const std::size_t i = skip_options(
      argv, 1,
      {"ncpioeg",
       {"--adjustment", "--class", "--classdata", "--pid", "--input", "--output", "--error"}});
  if (name == "chrt" || name == "taskset") return as_argv(name, argv, i + 1);  // priority / mask
  return as_argv(name, argv, i);
}

Unwrapped timeout(const std::string& /*name*/, const Argv& argv) {
  const std::size_t i = skip_options(argv, 1, {"sk", {"--signal", "--kill-after"}});
  return as_argv("timeout", argv, i + 1);  // after the duration
}

Unwrapped xargs(const std::string& /*name*/, const Argv& argv) {
  std::size_t i = 1;
  std::string replace;
  while (i < argv.size() && argv[i].value && argv[i].value->starts_with('-') &&
         *argv[i].value != "--") {
    const std::string& v = *argv[i].value;
    if (v == "-I" && i + 1 < argv.size() && argv[i + 1].value) replace = *argv[i + 1].value;
    if (v.starts_with("-I") && v.size() > 2) replace = v.substr(2);
    if (v.starts_with("--replace=")) replace = v.substr(10);
    const bool takes =
        v.size() == 2 && std::string_view("IdEeLlnPsa").find(v[1]) != std::string_view::npos;
    i += takes ? 2 : 1;
  }
  if (i < argv.size() && argv[i].is("--")) ++i;
  Unwrapped u = as_argv("xargs", argv, i);
  if (u.kind == Kind::none) u = as_argv("xargs", Argv{Arg::known("xargs"), Arg::known("echo")}, 1);
  for (auto& a : u.argv) {
    if (!replace.empty() && a.value && a.value->find(replace) != std::string::npos) a.value.reset();
  }
  u.appends_unknown = replace.empty();
  return u;
}

Unwrapped watch(const std::string& /*name*/, const Argv& argv) {
  std::size_t i = 1;
  bool exec = false;
  while (i < argv.size() && argv[i].value && argv[i].value->starts_with('-')) {
    const std::string& v = *argv[i].value;
    if (v == "-x" || v == "--exec") exec = true;
    const bool takes = v == "-n" || v == "--interval" || v == "-d" || v == "-q";
    i += (takes && v != "-d") ? 2 : 1;
  }
  if (i >= argv.size()) return {};
  return exec ? as_argv("watch -x", argv, i) : as_script("watch", joined(argv, i));
}

Unwrapped ssh(const std::string& /*name*/, const Argv& argv) {
  const std::size_t host = skip_options(argv, 1, {"bcDEeFIiJLlmOopQRSWwB", {}});
  if (host + 1 >= argv.size()) return {};  // an interactive login
  return as_script("ssh", joined(argv, host + 1));
}

Unwrapped npx(const std::string& name, const Argv& argv) {
  return package_runner(name, argv, 1);
}

// npm run NAME [args], npm start|test|stop|restart, yarn|pnpm|bun run NAME, and yarn|pnpm|bun
// NAME: a script of package.json, which the judge reads. `from` is the index of NAME.
Unwrapped package_script(const std::string& wrapper, const Argv& argv, std::size_t from,
                         std::string directory, bool or_program) {
  // Options of `run` itself before the name: --silent, --if-present, --workspace=x ...
  from = skip_options(argv, from, {"w", {"--workspace", "--filter", "--cwd", "--prefix"}});
  if (from >= argv.size()) return {};  // `npm run` alone lists the scripts
  Unwrapped u;
  u.kind = Kind::package_script;
  u.wrapper = wrapper;
  u.script = argv[from];
  for (std::size_t i = from; i < argv.size(); ++i) {
    if (i > from && argv[i].is("--")) continue;  // npm run NAME -- args: the args go along
    u.argv.push_back(argv[i]);
  }
  u.directory = std::move(directory);
  u.or_program = or_program;
  return u;
}

// npm exec, pnpm dlx|exec, yarn dlx|exec, bun x|exec; package.json scripts (package_script); and
// `yarn prisma ...` (a package's binary by its name).
Unwrapped js_package_manager(const std::string& name, const Argv& argv) {
  // The package manager's own options first: the directory options say whose package.json.
  std::string directory;
  std::size_t i = 1;
  while (i < argv.size() && argv[i].value && argv[i].value->starts_with('-') &&
         *argv[i].value != "--") {
    const std::string& v = *argv[i].value;
    const bool dir = v == "--prefix" || v == "--cwd" || v == "-C" || v == "--dir";
    if (dir && i + 1 < argv.size()) {
      directory = argv[i + 1].value.value_or("");
      i += 2;
      continue;
    }
    for (const char* opt : {"--prefix=", "--cwd=", "--dir="}) {
      if (v.starts_with(opt)) directory = v.substr(std::string_view(opt).size());
    }
    i += (v == "--filter" || v == "-F" || v == "--workspace" || v == "-w") ? 2 : 1;
  }
  if (i >= argv.size() || !argv[i].value) return {};
  const std::string& sub = *argv[i].value;
  if (name == "npm" && in(sub, {"exec", "x"})) return package_runner("npm exec", argv, i + 1);
  if ((name == "pnpm" || name == "yarn") && in(sub, {"dlx", "exec"}))
    return package_runner(name + " " + sub, argv, i + 1);
  if (name == "bun" && in(sub, {"x", "exec"})) return package_runner("bun x", argv, i + 1);
  if (in(sub, {"run", "run-script", "rum", "urn"}))
    return package_script(name + " run", argv, i + 1, directory, false);
  if (name == "npm") {
    if (in(sub, {"start", "stop", "restart", "test", "t", "tst"})) {
      Unwrapped u = package_script("npm " + sub, argv, i, directory, false);
      if (sub == "t" || sub == "tst") u.script = Arg::known("test");
      return u;
    }
    return {};
  }
  // yarn NAME / pnpm NAME / bun NAME: the script NAME, else the binary NAME.
  return package_script(name, argv, i, directory, find_program(sub) != nullptr);
}

// `<tool> run [options] [--] command...`; the secret managers (doppler, op, infisical, dotenvx)
// put the command after "--".
Unwrapped runner(const std::string& name, const Argv& argv) {
  if (argv.size() < 2 || !(argv[1].is("run") || argv[1].is("exec"))) return {};
  const std::string wrapper = name + " " + *argv[1].value;
  const auto dashdash =
      std::find_if(argv.begin() + 2, argv.end(), [](const Arg& a) { return a.is("--"); });
  if (dashdash != argv.end())
    return as_argv(wrapper, argv, static_cast<std::size_t>(dashdash - argv.begin()) + 1);
  const std::size_t i = skip_options(argv, 2,
                                     {"pe",
                                      {"--python", "--with", "--env-file", "--project",
                                       "--directory", "--extra", "--group", "--env", "--config"}});
  return as_argv(wrapper, argv, i);
}

Unwrapped dotenv(const std::string& /*name*/, const Argv& argv) {  // dotenv [-e file] -- command
  const auto dashdash =
      std::find_if(argv.begin() + 1, argv.end(), [](const Arg& a) { return a.is("--"); });
  if (dashdash != argv.end())
    return as_argv("dotenv", argv, static_cast<std::size_t>(dashdash - argv.begin()) + 1);
  return {};
}

// python [options] manage.py ...  /  python -m alembic ...  /  node node_modules/.bin/prisma ...
Unwrapped interpreter(const std::string& name, const Argv& argv) {
  std::size_t i = 1;
  while (i < argv.size() && argv[i].value && argv[i].value->starts_with('-')) {
    const std::string& v = *argv[i].value;
    if (v == "-m" && i + 1 < argv.size()) return as_argv(name + " -m", argv, i + 1);
    if (v == "-c" || v == "-e" || v == "--eval") return {};  // inline code: not a known tool
    i += (v == "-W" || v == "-X" || v == "-r" || v == "--require") ? 2 : 1;
  }
  if (i < argv.size() && argv[i].value && find_program(*argv[i].value) != nullptr)
    return as_argv(name, argv, i);
  return {};
}

using Handler = Unwrapped (*)(const std::string& name, const Argv& argv);

// The wrappers by program name. Every command of a string is looked up here, so a name that is
// no wrapper costs one hash lookup.
const std::unordered_map<std::string_view, Handler>& handlers() {
  static const std::unordered_map<std::string_view, Handler> table = [] {
    std::unordered_map<std::string_view, Handler> t;
    const auto add = [&](std::initializer_list<std::string_view> names, Handler h) {
      for (auto n : names) t.emplace(n, h);
    };
    add({"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash"}, shell);
    add({"busybox"}, busybox);
    add({"eval"}, eval);
    add({"source", "."}, source);
    add({"sudo", "doas"}, sudo);
    add({"su"}, su);
    add({"env"}, env);
    add({"time", "nohup", "command", "exec", "builtin", "chronic", "unbuffer", "setsid",
         "caffeinate", "tsp", "flock"},
        prefix);
    add({"nice", "ionice", "stdbuf", "chrt", "taskset", "cgexec"}, scheduling);
    add({"timeout"}, timeout);
    add({"xargs"}, xargs);
    add({"watch"}, watch);
    add({"ssh"}, ssh);
    add({"docker", "podman", "docker-compose", "podman-compose", "nerdctl"}, docker);
    add({"kubectl", "oc"}, kubectl);
    add({"npx", "bunx", "pnpx", "uvx"}, npx);
    add({"npm", "pnpm", "yarn", "bun"}, js_package_manager);
    add({"uv", "poetry", "pdm", "hatch", "rye", "pipenv", "pipx", "bundle", "dotenvx", "doppler",
         "infisical", "op", "mise", "direnv", "nix-shell"},
        runner);
    add({"dotenv"}, dotenv);
    add({"pypy3", "ruby", "node", "ts-node", "tsx"}, interpreter);
    return t;
  }();
  return table;
}

}  // namespace

bool is_wrapper(std::string_view argv0) {
  const auto name = basename(argv0);
  return handlers().contains(name) || name.starts_with("python");
}

Unwrapped unwrap(const Argv& argv) {
  if (argv.empty() || !argv[0].value) return {};
  const std::string name(basename(*argv[0].value));
  const auto& table = handlers();
  if (const auto it = table.find(name); it != table.end()) return it->second(name, argv);
  if (name.starts_with("python")) return interpreter(name, argv);
  return {};
}

}  // namespace pgwarden::hook
