#include "audit/record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace pgwarden::audit {
namespace {

void put_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += fmt::format("\\u{:04x}", u);
        } else {
          out.push_back(c);  // UTF-8 passes as is; invalid bytes stay bytes (the text as sent)
        }
    }
  }
  out.push_back('"');
}

void put_field(std::string& out, std::string_view key, std::string_view value, bool first = false) {
  if (!first) out.push_back(',');
  put_string(out, key);
  out.push_back(':');
  put_string(out, value);
}

}  // namespace

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

std::string to_json_line(const Record& r) {
  std::string out;
  out.reserve(256 + r.statement.size());
  out.push_back('{');
  put_field(out, "time", r.time, true);
  put_field(out, "door", r.door);
  out += fmt::format(",\"connection\":{}", r.connection);
  put_field(out, "user", r.user);
  put_field(out, "database", r.database);
  put_field(out, "application", r.application);
  put_field(out, "client_address", r.client_address);
  if (!r.profile.empty()) put_field(out, "profile", r.profile);
  put_field(out, "statement", r.statement);
  put_field(out, "action", r.action);
  put_field(out, "object", r.object);
  put_field(out, "decision", r.decision);
  out += r.refused ? ",\"refused\":true" : ",\"refused\":false";
  put_field(out, "rule", r.rule);
  out += "}\n";
  return out;
}

Expected<std::unique_ptr<JsonLinesFile>> JsonLinesFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return tl::unexpected(Error{fmt::format("cannot open the record file: {}", std::strerror(errno)), path});
  }
  return std::unique_ptr<JsonLinesFile>(new JsonLinesFile(fd, path));
}

JsonLinesFile::~JsonLinesFile() { ::close(m_fd); }

bool JsonLinesFile::write(Record record) {
  if (record.time.empty()) record.time = now_rfc3339();
  const std::string line = to_json_line(record);
  const std::lock_guard lock(m_mutex);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(m_fd, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace pgwarden::audit
