// lint: what a migration-safety rule sees and how it reports.
//
// A rule is a function over one statement (RuleSpec::check) and, for the few rules that need
// the whole run, one more over what the run learned (RuleSpec::finish). Rules only read: the
// linter (linter.cpp) keeps the facts up to date (Facts below) before and after each statement,
// so that every rule sees the same picture: whether a transaction is open, which timeouts are
// set, which tables this migration created, which constraints and indexes earlier migrations
// made.
//
// Each rule lives in a file of its own under src/lint/rules/ and has a page in docs/rules/.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lint/report.hpp"
#include "policy/policy.hpp"
#include "sql/statement.hpp"

namespace pgwarden::lint {

// A constraint some migration added, by resolved table name.
struct ConstraintFact {
  std::string table;  // resolved "schema.table"
  std::string name;
  sql::ConstraintType type = sql::ConstraintType::none;
  std::string check_not_null;  // CHECK (col IS NOT NULL): the column
  bool valid = true;           // false while NOT VALID and not yet validated
  int transaction = 0;         // Facts::transaction when it was added
};

// A foreign key some migration added, for rules that judge it when the run is over.
struct ForeignKeyFact {
  std::string table;  // resolved referencing table
  sql::ObjectName table_name;
  std::vector<std::string> columns;
  Finding at;  // file, line, column and statement of the ADD, with no message yet
};

// What earlier statements established. Per migration unless marked "run".
struct Facts {
  bool in_transaction = false;        // a transaction is open (explicit or the tool's)
  bool tool_transaction = false;      // the migration tool opened it (assume_in_transaction)
  bool explicit_transaction = false;  // the migration itself said BEGIN
  int transaction = 0;                // counts transactions over the whole run
  bool lock_timeout = false;          // SET [LOCAL] lock_timeout to a non-zero value
  bool statement_timeout = false;
  std::set<std::string> created;      // resolved tables this migration created
  std::set<std::string> access_exclusive;  // resolved tables locked ACCESS EXCLUSIVE in this transaction
  // run:
  std::set<std::string> created_in_run;    // resolved tables any migration of the run created
  std::map<std::string, std::vector<ConstraintFact>> constraints;  // by resolved table
  std::map<std::string, std::vector<std::vector<std::string>>> indexes;  // leading columns, by table
  std::vector<ForeignKeyFact> foreign_keys;
  std::map<std::string, std::map<std::string, std::string>> column_types;  // table -> column -> type
};

struct Migration;

struct RuleContext {
  const policy::Policy& policy;
  const Migration& migration;
  const sql::Statement& statement;
  const Facts& facts;
  int pg_version = 15;

  // "schema.name" as the policy's search_path resolves it.
  [[nodiscard]] std::string resolve(const sql::ObjectName& name) const;
  // The table exists before this migration: it was not created by this migration's statements.
  [[nodiscard]] bool existing(const sql::ObjectName& table) const { return !facts.created.contains(resolve(table)); }

  // A finding at `offset` bytes into the statement. `hint` may have several lines.
  void report(std::size_t offset, std::string message, std::string detail, std::string hint);

  std::vector<Finding>* out = nullptr;  // where report() appends (the linter sets it)
  const std::string* rule = nullptr;    // the rule being run (the linter sets it)
};

struct RunContext {
  const Facts& facts;
  std::vector<Finding>* out = nullptr;
  const std::string* rule = nullptr;
  void report(Finding at, std::string message, std::string detail, std::string hint);
};

struct RuleSpec {
  std::string_view id;       // "lint.index-concurrently"
  std::string_view summary;  // one line, for SARIF and `pgwarden lint --rules`
  policy::Decision level;    // default: allow (off), warn, approve (error unless approved), deny
  bool convention = false;   // off unless [lint] conventions = true (then warn)
  void (*check)(RuleContext& ctx) = nullptr;
  void (*finish)(RunContext& ctx) = nullptr;
  // A rule that restates a policy action (rename, alter_column_type) stays silent on a statement
  // the policy already reports for that action: one finding per concern, the policy's decision.
  std::string_view yields_to;
};

// PostgreSQL refuses this change inside a transaction block (CONCURRENTLY, VACUUM, ADD VALUE
// before 12). The linter's transaction model and lint.concurrently-in-transaction share it.
bool cannot_run_in_transaction(const sql::SchemaChange& change, int pg_version);

// Every rule, in the order reports list them (catalog.cpp).
const std::vector<const RuleSpec*>& all_rules();
const RuleSpec* find_rule(std::string_view id);

}  // namespace pgwarden::lint
