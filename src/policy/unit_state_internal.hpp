// The state behind policy::UnitState, for its two source files only.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/unit_state.hpp"

namespace pgwarden::policy {

struct UnitState::State {
  // What the unit created and what makes names its own. Relations and routines by key
  // "schema.name" ("pg_temp.t" for a temp table), schemas and databases as ".name".
  std::set<std::string> created;
  std::set<std::string> temp;         // bare names of the temp relations created
  std::set<std::string> commit_drop;  // bare names of temp tables created ON COMMIT DROP
  // What makes protection follow a name. Only ever added to: a rename the transaction rolled back
  // leaves the old name protected under the new one too, which is stricter, never looser.
  std::map<std::string, sql::ObjectName> renamed;  // key -> the original, qualified
  std::map<std::string, std::string> columns;      // "key|new column" -> original column
  std::map<std::string, std::string> schemas;      // renamed schema -> original schema
  std::map<std::string, UnitView> views;           // key -> what writes to it reach
  std::map<std::string, std::vector<sql::ObjectName>> children;  // parent key -> attached children
  std::map<std::string, UnitForeign> foreign;      // key -> where its rows live
  struct ForeignSchema {
    std::string server;
    std::string remote_schema;
    std::string list;  // "all", "limit_to", "except"
    std::vector<std::string> tables;
  };
  std::map<std::string, ForeignSchema> foreign_schemas;            // local schema -> import
  std::map<std::string, std::vector<std::string>> servers;         // server -> "key=value" options
  std::map<std::string, UnitTriggerFunction> trigger_functions;    // by bare name
  std::map<std::string, std::vector<sql::Effect>> prepared;        // PREPARE name: what EXECUTE runs
  // Settings of the session.
  std::optional<std::vector<std::string>> session_path;  // before any statement (startup); none: the policy's
  std::optional<std::vector<std::string>> path;          // SET
  std::optional<std::vector<std::string>> local_path;    // SET LOCAL, until the transaction ends
  bool path_known = true;
  std::string session_encoding = "UTF8";  // what RESET returns to
  std::string encoding = "UTF8";          // "" when it cannot be known
  std::optional<std::string> local_encoding;
  // standard_conforming_strings: true/false once set (or reported); std::nullopt: not known.
  std::optional<bool> standard_strings = true;
  // The session's role, for "$user" in the search path: the user it logged in as, the session
  // authorization (SET SESSION AUTHORIZATION), the current role (SET ROLE); "" when not known.
  std::string login_user;
  std::string session_user;
  std::string user;
  bool user_known = true;  // false once a role was set to what cannot be known here
  // Whether the database has a schema named after the role: PostgreSQL skips "$user" where it
  // has not. Taken to exist until a door that reads the catalog says otherwise.
  bool user_schema_exists = true;

  // True when the unit knows a relation of this key exists (created, renamed or moved to it).
  [[nodiscard]] bool knows(const std::string& key) const;
  // True when bare names resolve here as the policy's search_path resolves them: no path set, or
  // one that names the same schemas once "$user" without a schema, pg_catalog and pg_temp are
  // left out (temp tables are looked at apart).
  [[nodiscard]] bool default_path(const Policy& policy) const;
  // True when nothing was recorded but who the session is and the path it starts with (a door's
  // start: the login role, the database's search path), and that path is the default one.
  // Asked several times for every statement a door judges: the answer is kept for the policy it
  // was asked about until the state changes (UnitState::state_to_change forgets it).
  [[nodiscard]] bool only_identity(const Policy& policy) const;

  // The last answer of only_identity: the policy's instance shifted left by two, bit 0 the
  // answer and bit 1 set; 0 for none. A state shared between threads (a kept verdict's) may be
  // asked on each: the answer is the same, so a relaxed atomic suffices. A copy starts without it.
  struct IdentityMemo {
    mutable std::atomic<std::uint64_t> value{0};
    IdentityMemo() = default;
    IdentityMemo(const IdentityMemo&) {}
    IdentityMemo& operator=(const IdentityMemo&) {
      value.store(0, std::memory_order_relaxed);
      return *this;
    }
  };
  IdentityMemo identity_memo;
  // True when schema.name is the unit's own.
  [[nodiscard]] bool own(const std::string& schema, const std::string& name) const;
};

bool is_temp_schema(const std::string& schema);
std::string bare_name(const std::string& qualified);

}  // namespace pgwarden::policy
