// db: the database door. `pgwarden db protect` compiles the policy into guards PostgreSQL
// enforces itself, for everything that reaches a protected table without naming it in any text
// (foreign-key cascades, triggers written in C, foreign tables, rules, inheritance, connections
// that never pass through the proxy). docs/db.md describes the objects, what they stop and what
// they cannot.
//
// In: the policy (and its file's text, hashed into the registry) and a connection string.
// Out: a plan (every difference between the policy and what is installed) that is installed,
// printed as SQL (dry run) or reported (check). Decisions come from the one policy engine
// (refusals.hpp); this component never decides on its own what is refused.
// Depends on policy, sql, common and pq; never on another door (the proxy never depends on it).
//
// Pipeline: connect -> lock and read the catalog in one transaction (catalog.hpp) -> ask the
// engine about every table (refusals.hpp, wanted.hpp) -> the privileges of [db] roles
// (privileges.hpp) -> plan (planner.hpp, registry.hpp) -> install and log (installer.hpp), or not.
#pragma once

#include <string>

#include "db/change.hpp"
#include "policy/policy.hpp"

namespace pgwarden::db {

enum class Mode { install, dry_run, check };

struct ProtectOptions {
  std::string conninfo;  // a conninfo string or URI; empty: libpq's defaults and PG* variables
  Mode mode = Mode::install;
  std::string policy_text;  // the policy file's text ("" for the built-in defaults)
  std::string version;      // pgwarden's, for the log
};

struct Outcome {
  Mode mode = Mode::install;
  std::string database;     // host, port, database and user, as libpq connected
  std::string policy_file;  // as the registry records it
  Plan plan;
  bool applied = false;  // install: the plan's changes were committed
};

Expected<Outcome> protect(const policy::Policy& policy, const ProtectOptions& options);

}  // namespace pgwarden::db
