#include "proxy/log.hpp"

#include <unistd.h>

#include <atomic>

#include "audit/record.hpp"

namespace pgwarden::proxy::log {
namespace {

std::atomic<Level> g_level{Level::info};

void put_value(std::string& out, std::string_view v) {
  const bool bare = !v.empty() && v.find_first_of(" \"=\\\n\t") == std::string_view::npos;
  if (bare) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (const char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

constexpr std::string_view k_names[] = {"debug", "info", "warn", "error"};

}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (text == k_names[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  if (!enabled(level)) return;
  std::string line = "time=" + audit::now_rfc3339() + " level=" + std::string(k_names[static_cast<int>(level)]) + " msg=";
  put_value(line, message);
  for (const auto& [k, v] : fields) {
    line.push_back(' ');
    line.append(k);
    line.push_back('=');
    put_value(line, v);
  }
  line.push_back('\n');
  // One write per line, so lines of several threads never interleave.
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace pgwarden::proxy::log
