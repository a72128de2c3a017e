// Profiles: policies selected by who is connected (docs/policy.md, [[profiles]]).
//
// In: a loaded policy with its [[profiles]] entries and a connection's attributes (user,
// database, application_name, client address, whether it asks for replication), from whichever
// door knows them (the wire proxy; any door that identifies its connection).
// Out: the profile the connection is judged by (the first entry that matches, in file order) and
// the policy derived for it: the base policy with the profile's actions over [actions], its
// writable list and its mode. evaluate() and Evaluator judge with a derived policy unchanged.
// Derived policies are computed once per profile and shared (ProfiledPolicies), so that every
// connection of a profile shares one immutable snapshot, and one verdict cache per evaluator.
// Knows nothing of sockets or the wire protocol.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "sql/effect.hpp"

namespace pgwarden::policy {

// Who is connected, as the client's startup message and socket say.
struct ConnectionAttributes {
  std::string user;
  std::string database;
  std::string application_name;
  std::string client_address;  // "10.1.2.3", "::1"; empty for a Unix socket (matches no range)
  bool replication = false;    // the startup message asks for replication (true or database)
};

// True when every key `match` gives matches the connection.
bool matches(const ProfileMatch& match, const ConnectionAttributes& connection);

// The index in policy.profiles of the first profile that matches, or std::nullopt (the
// connection is judged by the base policy).
std::optional<std::size_t> select_profile(const Policy& policy, const ConnectionAttributes& connection);

// The policy connections of policy.profiles[index] are judged by: `base` with the profile's
// actions in force and the profile active (policy.active_profile). `index` must be in range.
Policy apply_profile(const Policy& base, std::size_t index);

// What a connection is judged by.
struct ConnectionPolicy {
  std::shared_ptr<const Policy> policy;      // the base policy or the profile's derived policy
  std::optional<std::size_t> profile_index;  // into policy->profiles; std::nullopt: no profile matched
  std::string profile;                       // the profile's name; empty when none matched
  bool admitted = true;                      // false: a replication connection no profile allows
  std::string refusal;                       // why it is not admitted, for the client
};

// One derived policy per profile, computed once, plus the base policy; immutable and safe to
// share across threads. A reloaded policy file gets a new ProfiledPolicies.
class ProfiledPolicies {
 public:
  explicit ProfiledPolicies(std::shared_ptr<const Policy> base);

  [[nodiscard]] ConnectionPolicy for_connection(const ConnectionAttributes& connection) const;

  [[nodiscard]] const std::shared_ptr<const Policy>& base() const { return m_base; }
  // The derived policy of base()->profiles[index].
  [[nodiscard]] const std::shared_ptr<const Policy>& for_profile(std::size_t index) const {
    return m_profiles.at(index);
  }

 private:
  std::shared_ptr<const Policy> m_base;
  std::vector<std::shared_ptr<const Policy>> m_profiles;
};

// What a profile's writable list says about one table.
struct WritableView {
  bool writable = false;  // some key names the table: its rows may be changed
  bool every_column = false;
  std::vector<std::string> columns;  // when not every_column: the only columns an UPDATE may set
};

// Literal keys beat globs: when a literal key names the table, only literal keys count; the
// keys that count add up ("*" covers every column).
WritableView match_writable(const std::vector<WritableTable>& writable, const sql::ObjectName& table);

// `[[profiles]] "reference-sync" writable (pgwarden.toml:12)` for citations: the profile, the
// part of it that decided (`what`, may be empty), and where the entry is.
std::string cite(const Policy& policy, const Profile& profile, const std::string& what);

}  // namespace pgwarden::policy
