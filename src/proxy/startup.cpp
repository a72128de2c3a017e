#include "proxy/startup.hpp"

#include <cctype>
#include <cstring>

namespace pgwarden::proxy {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// pg_split_opts: words separated by white space; a backslash makes the next character literal.
std::vector<std::string> split_options(std::string_view options) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < options.size()) {
    while (i < options.size() && std::isspace(static_cast<unsigned char>(options[i])) != 0) ++i;
    if (i == options.size()) break;
    std::string word;
    bool escaped = false;
    for (; i < options.size(); ++i) {
      const char c = options[i];
      if (!escaped && std::isspace(static_cast<unsigned char>(c)) != 0) break;
      if (!escaped && c == '\\') {
        escaped = true;
        continue;
      }
      escaped = false;
      word.push_back(c);
    }
    words.push_back(std::move(word));
  }
  return words;
}

// ParseLongOption: name=value, with dashes in the name read as underscores.
void long_option(std::string_view arg, std::vector<StartupSetting>& out) {
  const auto eq = arg.find('=');
  std::string name = lower(arg.substr(0, eq));
  for (auto& c : name) c = c == '-' ? '_' : c;
  // Without a value PostgreSQL refuses the connection; judge it as the empty value meanwhile.
  out.push_back({std::move(name), eq == std::string_view::npos ? std::string() : std::string(arg.substr(eq + 1)),
                 "options"});
}

// The switches of process_postgres_switches ("B:bc:C:D:d:EeFf:h:ijk:lN:nOPp:r:S:sTt:v:W:-:") that
// take an argument.
bool takes_argument(char c) { return std::strchr("BcCDdfhkNprStvW-", c) != nullptr; }

void switches(const std::vector<std::string>& words, std::vector<StartupSetting>& out) {
  for (std::size_t w = 0; w < words.size(); ++w) {
    const std::string& word = words[w];
    if (word.size() < 2 || word[0] != '-') return;  // getopt stops; PostgreSQL refuses the rest
    for (std::size_t i = 1; i < word.size(); ++i) {
      const char c = word[i];
      if (takes_argument(c)) {
        std::string arg = word.substr(i + 1);
        if (arg.empty() && w + 1 < words.size()) arg = words[++w];
        if (c == 'c' || c == '-') long_option(arg, out);
        if (c == 'S') out.push_back({"work_mem", arg, "options"});
        break;
      }
      if (c == 'O') out.push_back({"allow_system_table_mods", "on", "options"});
      if (c == 'P') out.push_back({"ignore_system_indexes", "on", "options"});
      if (c == 'F') out.push_back({"fsync", "off", "options"});
    }
  }
}

bool prefix_of(std::string_view value, std::string_view word) {
  if (value.empty() || value.size() > word.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != word[i]) return false;
  }
  return true;
}

}  // namespace

std::vector<StartupSetting> startup_settings(const wire::StartupPacket& packet) {
  std::vector<StartupSetting> out;
  for (const auto& [name, value] : packet.parameters) {
    if (name == "user" || name == "database" || name == "replication" || name.rfind("_pq_.", 0) == 0) continue;
    if (name == "options") {
      switches(split_options(value), out);
      continue;
    }
    out.push_back({lower(name), value, "startup parameter"});
  }
  return out;
}

bool replication_requested(std::string_view value) {
  if (value == "database") return true;
  // parse_bool_with_len: a unique prefix of true or yes, "on", or "1".
  if (prefix_of(value, "true") || prefix_of(value, "yes") || value == "1") return true;
  return value.size() >= 2 && prefix_of(value, "on");
}

}  // namespace pgwarden::proxy
