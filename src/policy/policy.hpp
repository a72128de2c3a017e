// policy: the compiled pgwarden.toml and the decisions it makes.
//
// In: a policy file (or the built-in defaults) and analyzed statements from `sql`.
// Out: verdicts: per statement a decision, and per effect a finding with the action, the
// object, a message that names the policy and cites its document, and a hint that is the
// non-destructive alternative for that very statement. For doors that know who is connected,
// the [[profiles]] entries select a policy per connection (profile.hpp).
// Never depends on files other than the policy file, on sockets, shells or output formats.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/glob.hpp"
#include "policy/address_range.hpp"
#include "policy/table_glob.hpp"
#include "sql/action.hpp"

namespace pgwarden::policy {

// From mild to strict; the order is the comparison.
enum class Decision : unsigned char { allow, warn, approve, deny };

std::string_view to_string(Decision decision);
std::optional<Decision> decision_from_string(std::string_view name);
// approve (without an approval) and deny refuse; allow and warn let the statement run.
inline bool refuses(Decision d) { return d >= Decision::approve; }

// The built-in default of DESIGN.md's action table.
Decision default_decision(sql::Action action);

// `soft_delete = "deleted_at"` or `{ column = "status", value = "'DELETED'" }`.
struct SoftDelete {
  std::string column;
  std::string value_sql = "now()";  // an SQL expression
};

// The extensions CREATE EXTENSION may create unless [extensions] allow says otherwise: the
// contrib modules of PostgreSQL 15 that neither destroy data, write server files nor reach
// other servers, and common ones of the same kind (PostGIS, pgvector, pgAudit). Not in it:
// adminpack, dblink, file_fdw, postgres_fdw, pg_surgery, pg_visibility, refint, sepgsql, xml2,
// the untrusted languages (plperlu, plpython3u, pltclu) and pg_cron.
std::vector<std::string> default_extensions();

// One [[tables]] entry.
struct TableRule {
  TableGlob name;
  bool append_only = false;
  std::vector<std::string> immutable;
  std::optional<std::vector<std::string>> mutable_columns;
  std::optional<SoftDelete> soft_delete;
  std::string hint;
  std::array<std::optional<Decision>, sql::k_action_count> actions{};
  int line = 0;  // where the entry starts in the policy file, for citations
};

// Which connections a [[profiles]] entry is for. Every list that is given must match (any of
// its entries); an empty list was not given and matches everything.
struct ProfileMatch {
  std::vector<Glob> user;
  std::vector<Glob> database;
  std::vector<Glob> application_name;
  std::vector<AddressRange> client_address;
};

// One key of a profile's `writable`: the tables it names may have rows changed; `columns` are
// the only ones an UPDATE may set there (std::nullopt: "*", every column).
struct WritableTable {
  TableGlob name;
  std::optional<std::vector<std::string>> columns;
};

// One [[profiles]] entry (docs/policy.md): a policy for the connections it matches.
struct Profile {
  std::string name;
  ProfileMatch match;
  std::array<std::optional<Decision>, sql::k_action_count> actions{};  // over [actions], under [[tables]]
  std::optional<std::vector<WritableTable>> writable;  // given: rows of other tables are never changed
  bool monitor = false;      // mode = "monitor": refusals become warnings that name what they were
  bool replication = false;  // may open replication connections
  bool superuser = true;     // false: sessions the server reports as superuser are closed
  int line = 0;              // where the entry starts in the policy file, for citations
};

// [lint]: how the lint door judges migrations beyond the policy's actions.
struct RuleLevel {
  std::string rule;  // "lint.index-concurrently" (the file may leave out "lint.")
  Decision level = Decision::warn;  // allow turns the rule off; approve needs an approval comment
  int line = 0;      // where it is set, for errors about an unknown rule
  int column = 0;
};

struct LintFiles {  // [[lint.files]]: settings for some migration files
  Glob path;
  std::optional<bool> assume_in_transaction;
  std::vector<RuleLevel> rules;
  int line = 0;
};

struct LintSettings {
  int pg_version = 15;                // the server the migrations run on
  bool assume_in_transaction = true;  // the migration tool runs each migration in a transaction
  bool conventions = false;           // turn the schema-convention rules on (at warn)
  std::vector<RuleLevel> rules;       // [lint.rules]
  std::vector<Glob> exclude;          // files never linted
  std::string start_after;            // migrations up to this version are grandfathered
  std::vector<LintFiles> files;
};

// [db]: how `pgwarden db protect` compiles the policy into guards inside the database.
// Names are compared as PostgreSQL stores them (exactly; no case folding).
struct DbSettings {
  std::string schema = "pgwarden";                // where pgwarden's own objects live
  std::string service_role = "pgwarden_service";  // the only role that may write grants
  std::vector<std::string> roles;                 // the roles applications and agents connect as
};

// A number no other Policy object of the process has had, a copy included: what a unit state
// remembers an answer about a policy by (an address may be reused after a reload).
struct PolicyInstance {
  std::uint64_t value = next();
  PolicyInstance() = default;
  PolicyInstance(const PolicyInstance&) : value(next()) {}
  PolicyInstance& operator=(const PolicyInstance&) {
    value = next();
    return *this;
  }
  static std::uint64_t next() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
  }
};

struct Policy {
  PolicyInstance instance;
  std::string name = "pgwarden built-in defaults";
  std::string document;       // cited in refusals; may be empty
  std::string source;         // the file it was loaded from; empty for the built-in defaults
  Decision on_parse_error = Decision::deny;
  std::vector<std::string> search_path = {"public"};
  std::array<Decision, sql::k_action_count> actions{};  // effective global decision per action
  std::array<bool, sql::k_action_count> action_from_file{};  // set by [actions], not a default
  std::vector<std::string> immutable_columns;  // [columns] immutable, on every table
  // [extensions] allow: what CREATE EXTENSION may create without the create_extension decision.
  std::vector<std::string> extensions = default_extensions();
  std::vector<TableRule> tables;
  std::vector<Profile> profiles;  // [[profiles]], in file order: the first that matches is used
  LintSettings lint;
  DbSettings db;

  // Set only in a policy derived for one profile (policy/profile.hpp, apply_profile): the
  // profile whose actions, writable list and mode evaluate() applies. A policy loaded from a
  // file has none: it judges connections that match no profile, and every other door.
  std::optional<Profile> active_profile;

  // The built-in defaults of DESIGN.md, with no tables.
  static Policy defaults();

  // Global decision for `action` (built-in default unless [actions] set it).
  [[nodiscard]] Decision decision(sql::Action action) const {
    return actions[static_cast<std::size_t>(action)];
  }
};

}  // namespace pgwarden::policy
