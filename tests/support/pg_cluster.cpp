// PgCluster: scripts/pg-throwaway does the PostgreSQL work (initdb as a non-root user, config,
// roles, SSL); this file spawns it without a shell, reads the port it prints, and talks to the
// server with libpq. The script is spawned with every inherited descriptor above stderr closed:
// the postmaster it leaves behind must not hold the test runner's pipes or sockets open.
#include "support/pg_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <utility>

#ifndef PGWARDEN_SOURCE_DIR
#error "PGWARDEN_SOURCE_DIR must name the repository root (tests/CMakeLists.txt defines it)"
#endif

extern char** environ;

namespace pgwarden::test {
namespace {

constexpr const char* k_script = PGWARDEN_SOURCE_DIR "/scripts/pg-throwaway";
constexpr int k_exit_not_installed = 3;  // pg-throwaway: PostgreSQL 15 server is not installed

struct ScriptResult {
  int exit_code = -1;  // -1: did not run or died of a signal
  std::string out;
  std::string err;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() { reset(); }
  int get() const { return m_fd; }
  void reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd;
};

struct Pipe {
  Fd read_end;
  Fd write_end;
};

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  // Only our end is non-blocking: the script writes to a plain blocking pipe.
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// Reads whatever is available; false once the writer side is closed.
bool drain(int fd, std::string& into) {
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      into.append(buffer.data(), static_cast<size_t>(n));
    } else if (n == 0) {
      return false;
    } else {
      return errno == EAGAIN || errno == EINTR;
    }
  }
}

// Runs scripts/pg-throwaway with `args`, no shell, capturing stdout and stderr.
ScriptResult run_script(const std::vector<std::string>& args) {
  ScriptResult result;
  Pipe out = make_pipe();
  Pipe err = make_pipe();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end.get(), STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
#endif

  std::vector<std::string> argv_storage{k_script};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, k_script, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  out.write_end.reset();
  err.write_end.reset();
  if (spawn_error != 0) {
    result.err = std::string("cannot run ") + k_script + ": " + std::strerror(spawn_error);
    return result;
  }

  // Read until both pipes close. Should some process the script left behind keep a pipe open,
  // stop reading once the script itself has exited instead of waiting forever.
  bool out_open = true;
  bool err_open = true;
  int status = 0;
  bool reaped = false;
  while (out_open || err_open) {
    std::array<pollfd, 2> polled{pollfd{out_open ? out.read_end.get() : -1, POLLIN, 0},
                                 pollfd{err_open ? err.read_end.get() : -1, POLLIN, 0}};
    const int ready = ::poll(polled.data(), polled.size(), 200);
    if (ready < 0 && errno != EINTR) break;
    if (out_open) out_open = drain(out.read_end.get(), result.out);
    if (err_open) err_open = drain(err.read_end.get(), result.err);
    if (ready == 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      break;
    }
  }
  if (!reaped) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A conninfo value, quoted when libpq would otherwise split or unescape it.
std::string conninfo_value(std::string_view value) {
  if (!value.empty() && value.find_first_of(" '\\") == std::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

}  // namespace

PgCluster::PgCluster(std::string dir, int port)
    : m_dir(std::move(dir)), m_port(port), m_owner_pid(::getpid()) {}

std::unique_ptr<PgCluster> PgCluster::start(std::string* why_not, const PgClusterOptions& options) {
  std::string ignored;
  std::string& reason = why_not != nullptr ? *why_not : ignored;
  if (!postgres15_installed()) {
    reason =
        "PostgreSQL 15 is not installed (no initdb/pg_ctl/postgres in "
        "/usr/lib/postgresql/15/bin; Debian: apt-get install postgresql-15)";
    return nullptr;
  }

  // 0755: as root, pg-throwaway hands the directory to the pgwarden-pg user, who must reach it.
  std::string dir = "/tmp/pgwarden-test-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr || ::chmod(dir.c_str(), 0755) != 0) {
    reason = "cannot create " + dir + ": " + std::strerror(errno);
    return nullptr;
  }

  std::vector<std::string> args{"start", dir, "--owner-pid", std::to_string(::getpid())};
  if (options.ssl) args.emplace_back("--ssl");
  for (const auto& line : options.conf) {
    args.emplace_back("--conf");
    args.push_back(line);
  }
  const ScriptResult started = run_script(args);

  int port = 0;
  const std::string out = trimmed(started.out);
  const auto [end, parse_error] = std::from_chars(out.data(), out.data() + out.size(), port);
  if (started.exit_code == 0 && parse_error == std::errc{} && end == out.data() + out.size() &&
      port > 0) {
    // Notes such as "removing ... (its owner N is gone)": a previous run crashed.
    if (!started.err.empty()) std::cerr << started.err;
    return std::unique_ptr<PgCluster>(new PgCluster(dir, port));
  }

  reason = started.exit_code == k_exit_not_installed
               ? "PostgreSQL 15 is not installed: " + trimmed(started.err)
               : "pg-throwaway start " + dir + " failed (exit " +
                     std::to_string(started.exit_code) + "): " + trimmed(started.err);
  run_script({"stop", dir});
  return nullptr;
}

PgCluster* PgCluster::shared(std::string* why_not) {
  struct Shared {
    std::unique_ptr<PgCluster> cluster;
    std::string why_not;
  };
  // Thread-safe first start; the destructor stops the cluster when the process exits.
  static const Shared instance = [] {
    Shared s;
    s.cluster = start(&s.why_not);
    return s;
  }();
  if (!instance.cluster && why_not != nullptr) *why_not = instance.why_not;
  return instance.cluster.get();
}

PgCluster::~PgCluster() {
  if (::getpid() != m_owner_pid) return;
  const ScriptResult stopped = run_script({"stop", m_dir});
  if (stopped.exit_code != 0) {
    std::cerr << "pg-throwaway stop " << m_dir << " failed: " << stopped.err << '\n';
  }
}

std::string PgCluster::conninfo(std::string_view database, std::string_view user) const {
  return "host=127.0.0.1 port=" + std::to_string(m_port) + " dbname=" + conninfo_value(database) +
         " user=" + conninfo_value(user) + " connect_timeout=10";
}

std::vector<std::vector<std::string>> PgCluster::query(std::string_view sql,
                                                       std::string_view database) const {
  const Connection conn(PQconnectdb(conninfo(database).c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to " + conninfo(database) + ": " +
                             trimmed(conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  // NOTICEs ("... does not exist, skipping") are not errors and would only clutter test output.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  const Result result(PQexec(conn.get(), std::string(sql).c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
    throw std::runtime_error(
        trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn.get())));
  }

  std::vector<std::vector<std::string>> rows;
  const int row_count = PQntuples(result.get());
  const int column_count = PQnfields(result.get());
  rows.reserve(static_cast<size_t>(row_count));
  for (int row = 0; row < row_count; ++row) {
    auto& values = rows.emplace_back();
    for (int column = 0; column < column_count; ++column) {
      values.emplace_back(PQgetisnull(result.get(), row, column) != 0
                              ? "NULL"
                              : PQgetvalue(result.get(), row, column));
    }
  }
  return rows;
}

void PgCluster::execute(std::string_view sql, std::string_view database) const {
  query(sql, database);
}

std::string PgCluster::scalar(std::string_view sql, std::string_view database) const {
  auto rows = query(sql, database);
  if (rows.empty() || rows.front().empty()) {
    throw std::runtime_error("no value returned by: " + std::string(sql));
  }
  return std::move(rows.front().front());
}

void PgCluster::create_database(std::string_view name) const {
  // Two statements, two round trips: CREATE DATABASE refuses to run inside the implicit
  // transaction of a multi-statement query.
  execute("DROP DATABASE IF EXISTS " + quote_identifier(name) + " WITH (FORCE)");
  execute("CREATE DATABASE " + quote_identifier(name));
}

void PgCluster::kill_server() const {
  const ScriptResult killed = run_script({"kill", m_dir});
  if (killed.exit_code != 0) {
    throw std::runtime_error("pg-throwaway kill " + m_dir + " failed: " + trimmed(killed.err));
  }
}

std::string PgCluster::log() const {
  std::ifstream file(m_dir + "/postgres.log", std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + m_dir + "/postgres.log");
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

int free_port() {
  const Fd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error(std::string("cannot bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  return ntohs(address.sin_port);
}

bool postgres15_installed() {
  const char* override_dir = std::getenv("PG_THROWAWAY_BINDIR");
  const std::string bindir = override_dir != nullptr ? override_dir : "/usr/lib/postgresql/15/bin";
  for (const char* tool : {"initdb", "pg_ctl", "postgres", "psql"}) {
    if (::access((bindir + "/" + tool).c_str(), X_OK) != 0) return false;
  }
  return true;
}

}  // namespace pgwarden::test
