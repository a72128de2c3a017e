// The pieces every section reader of pgwarden.toml shares (load.cpp, load_profiles.cpp, load_db.cpp): errors
// that point at a node or a key of the document with the file, line, column and dotted key,
// and readers for the value types the file uses. Internal to the policy library: only its own
// .cpp files include it, and only they see toml++.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/error.hpp"
#include "common/glob.hpp"
#include "policy/table_glob.hpp"
#include "policy/policy.hpp"

namespace pgwarden::policy {

// Builds errors that point at a node of the document.
class Reader {
 public:
  explicit Reader(std::string source) : m_source(std::move(source)) {}

  [[nodiscard]] Error at(const toml::node& node, const std::string& key, std::string message) const;
  // Points at a key itself (for unknown keys), not at its value.
  [[nodiscard]] Error at_key(const toml::key& key, const std::string& dotted, std::string message) const;

  [[nodiscard]] const std::string& source() const { return m_source; }

 private:
  std::string m_source;
};

// "a, b, c"
std::string join_names(const std::vector<std::string_view>& names);

// Every key of `table` must be one of `known`; `prefix` ("tables[2].") makes the dotted key.
Expected<void> check_keys(const Reader& r, const toml::table& table, const std::string& prefix,
                          const std::vector<std::string_view>& known);

Expected<std::string> read_string(const Reader& r, const toml::node& node, const std::string& key);
Expected<bool> read_bool(const Reader& r, const toml::node& node, const std::string& key);
// An array of non-empty strings; an item's error names it as `key[N]`, counted from 1.
Expected<std::vector<std::string>> read_names(const Reader& r, const toml::node& node, const std::string& key);
Expected<Decision> read_decision(const Reader& r, const toml::node& node, const std::string& key);
Expected<Glob> read_glob(const Reader& r, const toml::node& node, const std::string& key);
Expected<TableGlob> read_table_glob(const Reader& r, const toml::node& node, const std::string& key);
// A table of action = decision (global, per table or per profile); calls `set` for each.
Expected<void> read_actions(const Reader& r, const toml::node& node, const std::string& prefix,
                            const std::function<void(sql::Action, Decision)>& set);

// The [[profiles]] array of tables (load_profiles.cpp).
Expected<std::vector<Profile>> read_profiles(const Reader& r, const toml::node& node);
// A profile chosen by `application_name` is chosen by the client, which sends any name it likes:
// one that relaxes the policy must also match by user or client_address (or anyone claims it),
// and one that restricts it must not depend on application_name at all (or its connections
// leave it by sending another name). `node` is the [[profiles]] array `profiles` was read from;
// `policy` holds [actions].
Expected<void> check_client_chosen(const Reader& r, const toml::node& node, const std::vector<Profile>& profiles,
                                   const Policy& policy);

// The [db] table (load_db.cpp).
Expected<DbSettings> read_db(const Reader& r, const toml::node& node);

}  // namespace pgwarden::policy
