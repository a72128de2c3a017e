#include "policy/toml_reader.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pgwarden::policy {

Error Reader::at(const toml::node& node, const std::string& key, std::string message) const {
  const auto& where = node.source().begin;
  return Error{std::move(message), m_source, static_cast<int>(where.line), static_cast<int>(where.column), key};
}

Error Reader::at_key(const toml::key& key, const std::string& dotted, std::string message) const {
  const auto& where = key.source().begin;
  return Error{std::move(message), m_source, static_cast<int>(where.line), static_cast<int>(where.column), dotted};
}

std::string join_names(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Expected<void> check_keys(const Reader& r, const toml::table& table, const std::string& prefix,
                          const std::vector<std::string_view>& known) {
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      (void)node;
      return tl::unexpected(r.at_key(key, prefix + std::string(key.str()),
                                     fmt::format("unknown key (expected one of: {})", join_names(known))));
    }
  }
  return {};
}

Expected<std::string> read_string(const Reader& r, const toml::node& node, const std::string& key) {
  if (const auto* s = node.as_string()) return s->get();
  return tl::unexpected(r.at(node, key, "expected a string"));
}

Expected<bool> read_bool(const Reader& r, const toml::node& node, const std::string& key) {
  if (const auto* b = node.as_boolean()) return b->get();
  return tl::unexpected(r.at(node, key, "expected true or false"));
}

Expected<std::vector<std::string>> read_names(const Reader& r, const toml::node& node, const std::string& key) {
  const auto* array = node.as_array();
  if (array == nullptr) return tl::unexpected(r.at(node, key, "expected an array of strings"));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& item = *array->get(i);
    const std::string item_key = fmt::format("{}[{}]", key, i + 1);
    auto s = read_string(r, item, item_key);
    if (!s) return tl::unexpected(s.error());
    if (s->empty()) return tl::unexpected(r.at(item, item_key, "a name cannot be empty"));
    out.push_back(std::move(*s));
  }
  return out;
}

Expected<Decision> read_decision(const Reader& r, const toml::node& node, const std::string& key) {
  auto s = read_string(r, node, key);
  if (!s) return tl::unexpected(s.error());
  if (auto d = decision_from_string(*s)) return *d;
  return tl::unexpected(
      r.at(node, key, fmt::format("'{}' is not a decision (expected allow, warn, approve or deny)", *s)));
}

Expected<Glob> read_glob(const Reader& r, const toml::node& node, const std::string& key) {
  auto pattern = read_string(r, node, key);
  if (!pattern) return tl::unexpected(pattern.error());
  auto glob = Glob::compile(*pattern);
  if (!glob) return tl::unexpected(r.at(node, key, glob.error().message));
  return std::move(*glob);
}

Expected<TableGlob> read_table_glob(const Reader& r, const toml::node& node, const std::string& key) {
  auto pattern = read_string(r, node, key);
  if (!pattern) return tl::unexpected(pattern.error());
  auto glob = TableGlob::compile(*pattern);
  if (!glob) return tl::unexpected(r.at(node, key, glob.error().message));
  return std::move(*glob);
}

Expected<void> read_actions(const Reader& r, const toml::node& node, const std::string& prefix,
                            const std::function<void(sql::Action, Decision)>& set) {
  const auto* table = node.as_table();
  if (table == nullptr) return tl::unexpected(r.at(node, prefix, "expected a table of action = decision"));
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    const std::string dotted = prefix + "." + name;
    auto action = sql::action_from_string(name);
    if (!action) {
      return tl::unexpected(r.at(value, dotted, fmt::format("'{}' is not an action (see `pgwarden policy show`)", name)));
    }
    if (*action == sql::Action::parse_error) {
      return tl::unexpected(r.at(value, dotted, "parse_error is set with [policy] on_parse_error"));
    }
    auto decision = read_decision(r, value, dotted);
    if (!decision) return tl::unexpected(decision.error());
    set(*action, *decision);
  }
  return {};
}

}  // namespace pgwarden::policy
