#include "policy/profile.hpp"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

#include "policy/table_match.hpp"

namespace pgwarden::policy {
namespace {

// An empty list was not given: it matches every connection.
bool any_glob(const std::vector<Glob>& globs, const std::string& value) {
  return globs.empty() ||
         std::any_of(globs.begin(), globs.end(), [&](const Glob& g) { return g.matches(value); });
}

bool any_range(const std::vector<AddressRange>& ranges, const std::string& address) {
  return ranges.empty() ||
         std::any_of(ranges.begin(), ranges.end(), [&](const AddressRange& r) { return r.contains(address); });
}

std::string replication_refusal(const ConnectionAttributes& connection, const Profile* profile) {
  if (profile == nullptr) {
    return fmt::format("replication connections are refused: no [[profiles]] entry with replication = true matches "
                       "user \"{}\"",
                       connection.user);
  }
  return fmt::format("replication connections are refused: profile \"{}\" does not allow them (replication = true)",
                     profile->name);
}

}  // namespace

bool matches(const ProfileMatch& match, const ConnectionAttributes& connection) {
  return any_glob(match.user, connection.user) && any_glob(match.database, connection.database) &&
         any_glob(match.application_name, connection.application_name) &&
         any_range(match.client_address, connection.client_address);
}

std::optional<std::size_t> select_profile(const Policy& policy, const ConnectionAttributes& connection) {
  for (std::size_t i = 0; i < policy.profiles.size(); ++i) {
    if (matches(policy.profiles[i].match, connection)) return i;
  }
  return std::nullopt;
}

Policy apply_profile(const Policy& base, std::size_t index) {
  assert(index < base.profiles.size());
  Policy derived = base;
  const Profile& profile = base.profiles[index];
  for (std::size_t i = 0; i < sql::k_action_count; ++i) {
    if (profile.actions[i]) derived.actions[i] = *profile.actions[i];
  }
  derived.active_profile = profile;
  return derived;
}

ProfiledPolicies::ProfiledPolicies(std::shared_ptr<const Policy> base) : m_base(std::move(base)) {
  m_profiles.reserve(m_base->profiles.size());
  for (std::size_t i = 0; i < m_base->profiles.size(); ++i) {
    m_profiles.push_back(std::make_shared<const Policy>(apply_profile(*m_base, i)));
  }
}

ConnectionPolicy ProfiledPolicies::for_connection(const ConnectionAttributes& connection) const {
  ConnectionPolicy out;
  const auto index = select_profile(*m_base, connection);
  const Profile* profile = index ? &m_base->profiles[*index] : nullptr;
  out.policy = index ? m_profiles[*index] : m_base;
  out.profile_index = index;
  if (profile != nullptr) out.profile = profile->name;
  if (connection.replication && (profile == nullptr || !profile->replication)) {
    out.admitted = false;
    out.refusal = replication_refusal(connection, profile);
  }
  return out;
}

WritableView match_writable(const std::vector<WritableTable>& writable, const sql::ObjectName& table) {
  const bool literal = std::any_of(writable.begin(), writable.end(), [&](const WritableTable& w) {
    return w.name.is_literal() && w.name.matches(table);
  });
  WritableView view;
  for (const WritableTable& w : writable) {
    if ((literal && !w.name.is_literal()) || !w.name.matches(table)) continue;
    view.writable = true;
    if (!w.columns) {
      view.every_column = true;
      continue;
    }
    for (const auto& c : *w.columns) {
      if (std::find(view.columns.begin(), view.columns.end(), c) == view.columns.end()) view.columns.push_back(c);
    }
  }
  return view;
}

std::string cite(const Policy& policy, const Profile& profile, const std::string& what) {
  const std::string where = policy.source.empty() ? "" : fmt::format(" ({}:{})", policy.source, profile.line);
  return fmt::format("[[profiles]] \"{}\"{}{}{}", profile.name, what.empty() ? "" : " ", what, where);
}

}  // namespace pgwarden::policy
