// Reading [[profiles]] (docs/policy.md): each entry names the connections it is for (`match`)
// and how their statements are judged (`actions`, `writable`, `mode`, `replication`, `superuser`). Like the
// rest of the file, every mistake names the file, line, column and dotted key
// (`profiles[2].match.client_address[1]`), and nothing unknown is ignored.
#include <functional>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "policy/toml_reader.hpp"

namespace pgwarden::policy {
namespace {

// One string or a non-empty array of strings, each turned into a T by `make` (whose error
// message is placed at the string it was given).
template <class T>
Expected<std::vector<T>> read_one_or_many(const Reader& r, const toml::node& node, const std::string& key,
                                          std::string_view what,
                                          const std::function<Expected<T>(const std::string&)>& make) {
  const auto read_item = [&](const toml::node& item, const std::string& item_key) -> Expected<T> {
    auto text = read_string(r, item, item_key);
    if (!text) return tl::unexpected(text.error());
    auto made = make(*text);
    if (!made) return tl::unexpected(r.at(item, item_key, made.error().message));
    return made;
  };
  std::vector<T> out;
  if (node.is_string()) {
    auto one = read_item(node, key);
    if (!one) return tl::unexpected(one.error());
    out.push_back(std::move(*one));
    return out;
  }
  const auto* array = node.as_array();
  if (array == nullptr) return tl::unexpected(r.at(node, key, fmt::format("expected {0} or an array of {0}s", what)));
  if (array->empty()) {
    return tl::unexpected(
        r.at(node, key, fmt::format("needs at least one {} (leave the key out to match every connection)", what)));
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto item = read_item(*array->get(i), fmt::format("{}[{}]", key, i + 1));
    if (!item) return tl::unexpected(item.error());
    out.push_back(std::move(*item));
  }
  return out;
}

Expected<ProfileMatch> read_match(const Reader& r, const toml::node& node, const std::string& prefix) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    return tl::unexpected(r.at(node, prefix, "expected a table such as { user = \"app_*\", database = \"shop\" }"));
  }
  if (auto ok = check_keys(r, *table, prefix + ".", {"user", "database", "application_name", "client_address"}); !ok) {
    return tl::unexpected(ok.error());
  }
  const std::function<Expected<Glob>(const std::string&)> glob = [](const std::string& s) { return Glob::compile(s); };
  const std::function<Expected<AddressRange>(const std::string&)> address = [](const std::string& s) {
    return AddressRange::parse(s);
  };
  ProfileMatch match;
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    const std::string dotted = prefix + "." + k;
    if (k == "client_address") {
      auto ranges = read_one_or_many(r, value, dotted, "an IP address or CIDR range", address);
      if (!ranges) return tl::unexpected(ranges.error());
      match.client_address = std::move(*ranges);
      continue;
    }
    auto globs = read_one_or_many(r, value, dotted, "a glob", glob);
    if (!globs) return tl::unexpected(globs.error());
    (k == "user" ? match.user : k == "database" ? match.database : match.application_name) = std::move(*globs);
  }
  return match;
}

// writable = { currencies = ["rate", "updated_at"], "ref_*" = "*" }
Expected<std::vector<WritableTable>> read_writable(const Reader& r, const toml::node& node, const std::string& prefix) {
  const auto* table = node.as_table();
  if (table == nullptr) {
    return tl::unexpected(r.at(node, prefix, "expected a table of table glob = \"*\" or [columns]"));
  }
  std::vector<WritableTable> out;
  for (const auto& [key, value] : *table) {
    const std::string dotted = prefix + "." + std::string(key.str());
    auto glob = TableGlob::compile(key.str());
    if (!glob) return tl::unexpected(r.at_key(key, dotted, glob.error().message));
    WritableTable entry{std::move(*glob), std::nullopt};
    if (const auto* s = value.as_string(); s != nullptr && s->get() == "*") {
      out.push_back(std::move(entry));
      continue;
    }
    if (!value.is_array()) {
      return tl::unexpected(
          r.at(value, dotted, "expected \"*\" (every column) or an array of the columns an UPDATE may set"));
    }
    auto columns = read_names(r, value, dotted);
    if (!columns) return tl::unexpected(columns.error());
    entry.columns = std::move(*columns);
    out.push_back(std::move(entry));
  }
  return out;
}

Expected<Profile> read_profile(const Reader& r, const toml::table& table, const std::string& prefix) {
  if (auto ok = check_keys(r, table, prefix + ".", {"name", "match", "actions", "writable", "mode", "replication", "superuser"});
      !ok) {
    return tl::unexpected(ok.error());
  }
  Profile profile;
  profile.line = static_cast<int>(table.source().begin.line);
  const auto* name = table.get("name");
  if (name == nullptr) {
    return tl::unexpected(r.at(table, prefix + ".name", "missing (every [[profiles]] entry has a name, cited in refusals)"));
  }
  auto n = read_string(r, *name, prefix + ".name");
  if (!n) return tl::unexpected(n.error());
  if (n->empty()) return tl::unexpected(r.at(*name, prefix + ".name", "the name cannot be empty"));
  profile.name = std::move(*n);

  for (const auto& [key, node] : table) {
    const std::string k(key.str());
    const std::string dotted = prefix + "." + k;
    if (k == "match") {
      auto match = read_match(r, node, dotted);
      if (!match) return tl::unexpected(match.error());
      profile.match = std::move(*match);
    } else if (k == "actions") {
      auto ok = read_actions(r, node, dotted,
                             [&](sql::Action a, Decision d) { profile.actions[static_cast<std::size_t>(a)] = d; });
      if (!ok) return tl::unexpected(ok.error());
    } else if (k == "writable") {
      auto writable = read_writable(r, node, dotted);
      if (!writable) return tl::unexpected(writable.error());
      profile.writable = std::move(*writable);
    } else if (k == "mode") {
      auto mode = read_string(r, node, dotted);
      if (!mode) return tl::unexpected(mode.error());
      if (*mode != "enforce" && *mode != "monitor") {
        return tl::unexpected(
            r.at(node, dotted, fmt::format("'{}' is not a mode (expected \"enforce\" or \"monitor\")", *mode)));
      }
      profile.monitor = *mode == "monitor";
    } else if (k == "superuser") {
      auto b = read_bool(r, node, dotted);
      if (!b) return tl::unexpected(b.error());
      profile.superuser = *b;
    } else if (k == "replication") {
      auto b = read_bool(r, node, dotted);
      if (!b) return tl::unexpected(b.error());
      profile.replication = *b;
    }
  }
  return profile;
}

}  // namespace

Expected<std::vector<Profile>> read_profiles(const Reader& r, const toml::node& node) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    return tl::unexpected(r.at(node, "profiles", "expected an array of tables: write each entry as [[profiles]]"));
  }
  std::vector<Profile> profiles;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string prefix = fmt::format("profiles[{}]", i + 1);
    const auto* entry = array->get(i)->as_table();
    if (entry == nullptr) return tl::unexpected(r.at(*array->get(i), prefix, "expected a table"));
    auto profile = read_profile(r, *entry, prefix);
    if (!profile) return tl::unexpected(profile.error());
    for (const Profile& earlier : profiles) {
      if (earlier.name == profile->name) {
        return tl::unexpected(r.at(*entry->get("name"), prefix + ".name",
                                   fmt::format("a profile named \"{}\" is already defined at line {} (names are unique)",
                                               profile->name, earlier.line)));
      }
    }
    profiles.push_back(std::move(*profile));
  }
  return profiles;
}

Expected<void> check_client_chosen(const Reader& r, const toml::node& node, const std::vector<Profile>& profiles,
                                   const Policy& policy) {
  const auto* array = node.as_array();
  for (std::size_t i = 0; array != nullptr && i < profiles.size() && i < array->size(); ++i) {
    const Profile& p = profiles[i];
    if (p.match.application_name.empty()) continue;
    // What the profile changes against the file without it.
    std::vector<std::string> relaxes, restricts;
    if (p.monitor) relaxes.emplace_back("mode = \"monitor\"");
    if (p.replication) relaxes.emplace_back("replication = true");
    if (p.writable) restricts.emplace_back("writable");
    if (!p.superuser) restricts.emplace_back("superuser = false");
    for (std::size_t a = 0; a < sql::k_action_count; ++a) {
      if (!p.actions[a]) continue;
      const auto action = static_cast<sql::Action>(a);
      const Decision base = policy.decision(action);
      const std::string what = fmt::format("actions.{} = \"{}\"", sql::to_string(action), to_string(*p.actions[a]));
      if (*p.actions[a] < base) relaxes.push_back(what + fmt::format(" where the file says \"{}\"", to_string(base)));
      if (*p.actions[a] > base) restricts.push_back(what + fmt::format(" where the file says \"{}\"", to_string(base)));
    }
    const std::string prefix = fmt::format("profiles[{}].match.application_name", i + 1);
    const auto* entry = array->get(i)->as_table();
    const toml::node* at = entry != nullptr ? entry->at_path("match.application_name").node() : nullptr;
    const toml::node& where = at != nullptr ? *at : *array->get(i);
    if (!restricts.empty()) {
      return tl::unexpected(r.at(
          where, prefix,
          fmt::format("profile \"{}\" restricts its connections ({}), but a connection leaves it by sending "
                      "another application_name, which the client chooses: match it by user, database or "
                      "client_address instead",
                      p.name, fmt::join(restricts, ", "))));
    }
    if (!relaxes.empty() && p.match.user.empty() && p.match.client_address.empty()) {
      return tl::unexpected(r.at(
          where, prefix,
          fmt::format("profile \"{}\" relaxes the policy ({}) for any client that sends this application_name, "
                      "which the client chooses: add user or client_address to its match",
                      p.name, fmt::join(relaxes, ", "))));
    }
  }
  return {};
}

}  // namespace pgwarden::policy
