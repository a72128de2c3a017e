// One difference between what the policy wants and what the database holds, with the SQL that
// removes it. A plan is a list of them in the order they run; `pgwarden db protect` runs them,
// --dry-run prints them, --check reports them (every change is a difference).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::db {

struct Change {
  enum class Kind {
    base,       // pgwarden's schema, tables, functions, service role, the log's triggers
    missing,    // a guard or event trigger the policy wants and the database lacks
    outdated,   // one that exists but differs (the policy's texts changed, or it was tampered with)
    extra,      // a guard the policy no longer wants
    disabled,   // a guard or event trigger that is not ENABLE ALWAYS
    registry,   // a row of the registry to add, change or remove
    drift,      // a guarded table changed while the event trigger was not watching
    privilege,  // a privilege of a [db] role to revoke
  };
  Kind kind = Kind::base;
  std::string subject;  // the table, or pgwarden's schema
  std::string what;     // "guard pgwarden_delete_16384 (delete) is missing"
  std::string sql;
};

std::string_view to_string(Change::Kind kind);

struct Plan {
  std::vector<Change> changes;
  std::vector<std::string> problems;  // what this connection cannot install, and why
  std::vector<std::string>
      warnings;  // what guards cannot stop: privileges held another way, owners, superusers
  bool first_install = false;  // pgwarden's schema does not exist yet
  bool blocked = false;        // a problem stops the whole install (nothing is changed)
};

}  // namespace pgwarden::db
