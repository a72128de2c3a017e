// lint: running git without a shell (what and why: git.hpp).
//
// The child gets /dev/null as standard input and one pipe each for standard output and error;
// both pipes are drained together with poll(), so a chatty stderr cannot block git while we
// wait on stdout. Pipes are close-on-exec so that a git started from another thread does not
// inherit them and keep them open.
#include "lint/git.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX's name

namespace pgwarden::lint {
namespace {

// A file descriptor, closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&&) = delete;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  [[nodiscard]] int get() const { return m_fd; }
  void reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd;
};

// posix_spawn's file actions, destroyed when they go out of scope.
class FileActions {
 public:
  FileActions() { ::posix_spawn_file_actions_init(&m_actions); }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&m_actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &m_actions; }

 private:
  posix_spawn_file_actions_t m_actions{};
};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

std::string joined(const std::vector<std::string>& args) {
  std::string out = "git";
  for (const auto& arg : args) out += " " + arg;
  return out;
}

// A ref is never read as an option.
Expected<void> check_ref(const std::string& ref) {
  if (ref.empty() || ref.front() == '-')
    return make_error(fmt::format("'{}' is not a git revision", ref));
  return {};
}

// The NUL-separated names in `text`.
std::vector<std::string> names(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = std::min(text.find('\0', pos), text.size());
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

Expected<std::string> run_git(const std::string& dir, const std::vector<std::string>& args) {
  std::array<int, 2> out_fds{};
  std::array<int, 2> err_fds{};
  if (::pipe2(out_fds.data(), O_CLOEXEC) != 0)
    return make_error(fmt::format("cannot run git: {}", std::strerror(errno)));
  Fd out_read(out_fds[0]);
  Fd out_write(out_fds[1]);
  if (::pipe2(err_fds.data(), O_CLOEXEC) != 0)
    return make_error(fmt::format("cannot run git: {}", std::strerror(errno)));
  Fd err_read(err_fds[0]);
  Fd err_write(err_fds[1]);

  FileActions actions;
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(actions.get(), out_write.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), err_write.get(), STDERR_FILENO);

  std::vector<std::string> words = {"git", "-C", dir};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(words.size() + 1);
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  if (const int rc = ::posix_spawnp(&pid, "git", actions.get(), nullptr, argv.data(), environ);
      rc != 0)
    return make_error(fmt::format("cannot run git: {}", std::strerror(rc)));
  out_write.reset();
  err_write.reset();

  // Drain both pipes until git closes them.
  std::string out;
  std::string err;
  std::array<pollfd, 2> polled{pollfd{out_read.get(), POLLIN, 0},
                               pollfd{err_read.get(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&out, &err};
  std::array<char, 65536> buffer{};
  while (polled[0].fd >= 0 || polled[1].fd >= 0) {
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (polled[i].fd < 0 || polled[i].revents == 0) continue;
      const ssize_t n = ::read(polled[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        sinks[i]->append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        polled[i].fd = -1;  // end of output (the Fd closes it)
      }
    }
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return make_error(fmt::format("{}: {}", joined(args), std::strerror(errno)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
  const std::string why = trimmed(err);
  return make_error(fmt::format("{} failed: {}", joined(args),
                                !why.empty() ? why
                                : WIFEXITED(status)
                                    ? fmt::format("exit status {}", WEXITSTATUS(status))
                                    : "killed by a signal"));
}

Expected<std::string> git_show(const std::string& dir, const std::string& rev,
                               const std::string& path) {
  if (auto ok = check_ref(rev); !ok) return tl::unexpected(ok.error());
  // cat-file prints the blob's bytes as stored (show could apply a textconv filter); "./"
  // makes the path relative to `dir` instead of the repository's top.
  return run_git(dir, {"cat-file", "blob", rev + ":./" + path});
}

Expected<std::string> git_merge_base(const std::string& dir, const std::string& ref) {
  if (auto ok = check_ref(ref); !ok) return tl::unexpected(ok.error());
  return run_git(dir, {"merge-base", "HEAD", ref}).map(trimmed);
}

Expected<std::string> git_last_commit_touching(const std::string& dir, const std::string& path) {
  auto commit = run_git(dir, {"--literal-pathspecs", "log", "-1", "--format=%H", "--", path});
  if (!commit) return commit;
  if (trimmed(*commit).empty())
    return make_error(fmt::format("no git commit has '{}' (commit it first)", path));
  return trimmed(*commit);
}

Expected<ChangedFiles> git_changed_files(const std::string& dir, const std::string& base_rev) {
  ChangedFiles changed;
  auto root = run_git(dir, {"rev-parse", "--show-toplevel"});
  if (!root) return tl::unexpected(root.error());
  changed.root = trimmed(*root);
  auto base = git_merge_base(dir, base_rev);
  if (!base) return tl::unexpected(base.error());
  // From the top, so that paths are relative to it whatever diff.relative says.
  auto diffed = run_git(
      changed.root, {"diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM", *base, "--"});
  if (!diffed) return tl::unexpected(diffed.error());
  auto untracked = run_git(changed.root, {"ls-files", "-z", "--others", "--exclude-standard"});
  if (!untracked) return tl::unexpected(untracked.error());
  changed.files = names(*diffed);
  for (auto& name : names(*untracked)) changed.files.push_back(std::move(name));
  std::sort(changed.files.begin(), changed.files.end());
  changed.files.erase(std::unique(changed.files.begin(), changed.files.end()), changed.files.end());
  return changed;
}

}  // namespace pgwarden::lint
