// hook/install: merging pgwarden's PreToolUse handler into Claude Code's project settings.
//
// The settings file belongs to the user: it holds their permissions, their other hooks and keys
// pgwarden knows nothing of. So the merge touches one handler and nothing else: keys keep their
// order (nlohmann::ordered_json), other matchers and handlers stay where they are, a pgwarden
// handler already present is replaced where it stands, and a file that is not what Claude
// Code reads (not JSON, not an object, `hooks` of the wrong type) is refused rather than
// "repaired". The write is atomic so that a crash never leaves Claude Code a half-written file,
// which it would read as "no hooks": the gate silently off.
//
// The handler uses the exec form (`command` + `args`, no shell) with an absolute path, as
// agent-hooks.md 5.1 recommends: a wrong PATH makes a hook fail to start, and a hook that cannot
// start is non-blocking.
#include "hook/install.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace pgwarden::hook {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr int k_timeout_seconds = 5;

Error file_error(const fs::path& file, std::string message) {
  Error error;
  error.message = std::move(message);
  error.file = file.string();
  return error;
}

ordered_json handler(const fs::path& executable) {
  ordered_json h;
  h["type"] = "command";
  h["command"] = executable.string();
  h["args"] = ordered_json::array({"hook", "--agent", "claude"});
  h["timeout"] = k_timeout_seconds;
  return h;
}

// A handler that runs pgwarden, in exec form ("/usr/bin/pgwarden" + args) or shell form
// ("pgwarden hook --agent claude").
bool is_pgwarden_handler(const ordered_json& h) {
  if (!h.is_object()) return false;
  const auto it = h.find("command");
  if (it == h.end() || !it->is_string()) return false;
  const auto& command = it->get_ref<const std::string&>();
  return fs::path(command).filename() == "pgwarden" ||
         command.find("pgwarden hook") != std::string::npos;
}

Expected<std::string> read_file(const fs::path& file, bool& exists) {
  std::error_code ec;
  exists = fs::exists(file, ec);
  if (ec) return tl::unexpected(file_error(file, "cannot be read: " + ec.message()));
  if (!exists) return std::string();
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return tl::unexpected(file_error(file, "cannot be read: " + std::string(std::strerror(errno))));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return tl::unexpected(file_error(file, "cannot be read"));
  return content.str();
}

// Puts `wanted` into hooks.PreToolUse: in place of the first pgwarden handler (dropping any
// further ones, and an entry left empty by that), else into the entry matching exactly "Bash",
// else into a new entry at the end.
void merge_handler(ordered_json& pre_tool_use, const ordered_json& wanted) {
  bool placed = false;
  for (auto entry = pre_tool_use.begin(); entry != pre_tool_use.end();) {
    auto hooks = entry->is_object() ? entry->find("hooks") : entry->end();
    if (!entry->is_object() || hooks == entry->end() || !hooks->is_array()) {
      ++entry;
      continue;
    }
    bool removed = false;
    for (auto h = hooks->begin(); h != hooks->end();) {
      if (!is_pgwarden_handler(*h)) {
        ++h;
      } else if (!placed) {
        *h = wanted;
        placed = true;
        ++h;
      } else {
        h = hooks->erase(h);
        removed = true;
      }
    }
    if (removed && hooks->empty()) {
      entry = pre_tool_use.erase(entry);
    } else {
      ++entry;
    }
  }
  if (placed) return;

  for (auto& entry : pre_tool_use) {
    if (!entry.is_object()) continue;
    const auto matcher = entry.find("matcher");
    const auto hooks = entry.find("hooks");
    if (matcher != entry.end() && *matcher == "Bash" && hooks != entry.end() && hooks->is_array()) {
      hooks->push_back(wanted);
      return;
    }
  }
  ordered_json entry;
  entry["matcher"] = "Bash";
  entry["hooks"] = ordered_json::array({wanted});
  pre_tool_use.push_back(std::move(entry));
}

}  // namespace

Expected<InstallPlan> plan_claude_install(const fs::path& project_dir, const fs::path& executable) {
  InstallPlan plan;
  plan.settings = project_dir / ".claude" / "settings.json";
  const fs::path& file = plan.settings;

  bool exists = false;
  auto content = read_file(file, exists);
  if (!content) return tl::unexpected(content.error());
  plan.before = std::move(*content);

  // An absent or blank file is an empty object; anything else must be one.
  ordered_json settings = ordered_json::object();
  if (plan.before.find_first_not_of(" \t\r\n") != std::string::npos) {
    settings = ordered_json::parse(plan.before, nullptr, false);
    if (settings.is_discarded()) {
      return tl::unexpected(
          file_error(file, "is not valid JSON; fix or remove it, then install again"));
    }
    if (!settings.is_object()) {
      return tl::unexpected(
          file_error(file, std::string("is not a JSON object but ") + settings.type_name()));
    }
  }
  const ordered_json original = settings;

  auto& hooks = settings["hooks"];
  if (hooks.is_null()) hooks = ordered_json::object();
  if (!hooks.is_object()) {
    return tl::unexpected(
        file_error(file, std::string("\"hooks\" is not an object but ") + hooks.type_name()));
  }
  auto& pre_tool_use = hooks["PreToolUse"];
  if (pre_tool_use.is_null()) pre_tool_use = ordered_json::array();
  if (!pre_tool_use.is_array()) {
    return tl::unexpected(file_error(
        file, std::string("\"hooks.PreToolUse\" is not an array but ") + pre_tool_use.type_name()));
  }

  std::error_code ec;
  fs::path absolute = fs::absolute(executable, ec);
  if (ec) return tl::unexpected(file_error(executable, "has no absolute path: " + ec.message()));
  merge_handler(pre_tool_use, handler(absolute.lexically_normal()));

  // Unchanged content keeps the file byte for byte, whatever its formatting.
  plan.changed = !exists || settings != original;
  plan.after = plan.changed ? settings.dump(2) + "\n" : plan.before;
  return plan;
}

Expected<void> apply(const InstallPlan& plan) {
  if (!plan.changed) return {};
  std::error_code ec;

  // Write through a symbolic link (dotfiles managers link settings files) rather than over it.
  fs::path target = plan.settings;
  if (fs::is_symlink(target, ec)) {
    target = fs::weakly_canonical(target, ec);
    if (ec)
      return tl::unexpected(file_error(plan.settings, "cannot resolve its link: " + ec.message()));
  }
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  fs::create_directories(dir, ec);
  if (ec) return tl::unexpected(file_error(dir, "cannot be created: " + ec.message()));

  // The file must still be what the plan was made from; otherwise someone else's edit would be
  // lost.
  bool exists = false;
  auto now = read_file(target, exists);
  if (!now) return tl::unexpected(now.error());
  if (*now != plan.before) {
    return tl::unexpected(file_error(plan.settings, "changed since it was read; install again"));
  }

  // The temporary file sits beside the target so that rename() replaces it atomically. It is
  // created 0644 less the umask, as an editor would create the file; a file being replaced keeps
  // its own mode.
  std::string temp;
  int fd = -1;
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    temp = (dir / fmt::format(".{}.pgwarden-{}-{:x}-{}", target.filename().string(), ::getpid(),
                              stamp, attempt))
               .string();
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    return tl::unexpected(
        file_error(dir, "cannot hold a temporary file: " + std::string(std::strerror(errno))));
  }
  auto fail = [&](const std::string& what) {
    const int saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return tl::unexpected(file_error(plan.settings, what + ": " + std::strerror(saved)));
  };
  struct stat old {};
  if (::stat(target.c_str(), &old) == 0 && ::fchmod(fd, old.st_mode & 07777) != 0) {
    return fail("cannot set the mode of the temporary file");
  }

  const char* data = plan.after.data();
  std::size_t left = plan.after.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot be written");
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot be written");
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    return tl::unexpected(
        file_error(plan.settings, std::string("cannot be written: ") + std::strerror(saved)));
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    return tl::unexpected(
        file_error(plan.settings, std::string("cannot be replaced: ") + std::strerror(saved)));
  }
  return {};
}

}  // namespace pgwarden::hook
