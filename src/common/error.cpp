#include "common/error.hpp"

#include <fmt/format.h>

namespace pgwarden {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += fmt::format(":{}", line);
      if (column > 0) out += fmt::format(":{}", column);
    }
    out += ": ";
  }
  if (!key.empty()) out += fmt::format("key '{}': ", key);
  out += message;
  return out;
}

}  // namespace pgwarden
