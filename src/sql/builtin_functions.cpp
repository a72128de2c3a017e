#include <algorithm>
#include <string_view>
#include <vector>

#include "sql/known_functions.hpp"

namespace pgwarden::sql {
namespace data {
extern const std::string_view k_pg_catalog_functions;
}  // namespace data

namespace {

// The names of the data file, sorted (the file is, in C collation), read once.
const std::vector<std::string_view>& builtin_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    std::string_view rest = data::k_pg_catalog_functions;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (!line.empty() && line.front() != '#') out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

}  // namespace

bool is_builtin_function(std::string_view name) {
  const auto& names = builtin_names();
  return std::binary_search(names.begin(), names.end(), name);
}

}  // namespace pgwarden::sql
