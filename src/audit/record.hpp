// audit: the record of what the doors refused or let through with a warning.
//
// One interface, `RecordSink`, stands between a door and where records go. Today a record is one
// JSON line appended to a file; the audit door will make the same records tamper-evident (a hash
// chain) behind the same interface, so no door changes when it does.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/error.hpp"

namespace pgwarden::audit {

struct Record {
  std::string time;            // RFC 3339, UTC, milliseconds; filled by the sink when empty
  std::string door;            // "proxy", "hook", ...
  std::uint64_t connection = 0;
  std::string user;
  std::string database;
  std::string application;
  std::string client_address;
  std::string profile;         // the policy profile the connection was judged by; empty for none
  std::string statement;       // the statement text
  std::string action;
  std::string object;
  std::string decision;        // allow / warn / approve / deny as decided (approve and deny refused)
  std::string rule;            // the part of the policy that decided
  bool refused = false;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Safe to call from several threads; a record is written whole or not at all. False when it
  // could not be written (the caller logs and counts it; the door's decision stands).
  virtual bool write(Record record) = 0;
};

// Appends one JSON object per line to a file (opened with O_APPEND, one write per record).
class JsonLinesFile final : public RecordSink {
 public:
  static Expected<std::unique_ptr<JsonLinesFile>> open(const std::string& path);
  ~JsonLinesFile() override;
  JsonLinesFile(const JsonLinesFile&) = delete;
  JsonLinesFile& operator=(const JsonLinesFile&) = delete;
  bool write(Record record) override;

 private:
  JsonLinesFile(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  int m_fd;
  std::string m_path;
  std::mutex m_mutex;
};

// The record as one line of JSON, newline included.
std::string to_json_line(const Record& record);
// Now, as Record::time wants it.
std::string now_rfc3339();

}  // namespace pgwarden::audit
