// Structured logs: one logfmt line per event on stderr (time, level, msg, then key=value pairs),
// readable by people and by log shippers alike.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace pgwarden::proxy::log {

enum class Level : unsigned char { debug, info, warn, error };

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
bool enabled(Level level);
void write(Level level, std::string_view message,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {});

inline void info(std::string_view m, std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
  write(Level::error, m, f);
}
inline void debug(std::string_view m, std::initializer_list<std::pair<std::string_view, std::string_view>> f = {}) {
  if (enabled(Level::debug)) write(Level::debug, m, f);
}

}  // namespace pgwarden::proxy::log
