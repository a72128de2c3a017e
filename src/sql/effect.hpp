// What one statement would do: a list of effects, as DESIGN.md's data flow defines them.
// An effect is {action, object, columns, has_where, via} plus the facts the policy engine needs
// to derive the policy-dependent actions (the kind of row mutation) and the unit state (what a
// statement creates or renames).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/action.hpp"

namespace pgwarden::sql {

// A schema-qualified name after PostgreSQL's identifier rules: unquoted folded to lower case,
// quoted exact, U&"..." decoded. `schema` is empty when the statement did not qualify the name.
struct ObjectName {
  std::string schema;
  std::string name;

  [[nodiscard]] bool empty() const { return name.empty(); }
  // "schema.name" or "name"; identifiers that need it are double-quoted.
  [[nodiscard]] std::string display() const;
  bool operator==(const ObjectName&) const = default;
};

// The SQL spelling of an identifier: bare when PostgreSQL would read it back unchanged,
// otherwise double-quoted with embedded quotes doubled.
std::string quote_identifier(std::string_view ident);
// A list of identifiers as a setting such as search_path holds it ("$user", public, "My S"), read
// as PostgreSQL's SplitIdentifierString reads it; std::nullopt when PostgreSQL would reject it.
std::optional<std::vector<std::string>> split_identifier_list(std::string_view text);
// The SQL spelling of a string constant: single-quoted with embedded quotes doubled (as read
// under standard_conforming_strings, PostgreSQL's default).
std::string quote_literal(std::string_view value);

// What kind of object an effect touches, for messages ("DROP TABLE public.users").
enum class ObjectKind : unsigned char {
  none, database, schema, table, column, view, materialized_view, sequence, index, function,
  procedure, trigger, event_trigger, rule, policy, constraint, type, domain, extension, role,
  foreign_table, large_object, publication, subscription, server, tablespace, replication_slot,
  other,
};
std::string_view to_string(ObjectKind kind);

// How the rows of a table are changed: the policy engine checks immutable columns, `mutable`
// allowlists and append-only tables against this, not against the action.
enum class Mutation : unsigned char { none, insert, update, delete_rows, truncate };

// Where the statement that has the effect was hidden. `direct` is the statement itself.
enum class Via : unsigned char {
  direct, cte, rule, function_body, do_block, prepare, explain_analyze, copy_query, trigger,
  dynamic_string,
};
std::string_view to_string(Via via);

// What a statement changes in its unit besides creating and renaming objects: the session's
// transaction and settings, and the links between relations that decide where a write lands
// (policy/unit_state.hpp keeps them; `values` and `relations` of the effect say more).
enum class UnitFact : unsigned char {
  none,
  begin,                // BEGIN / START TRANSACTION
  commit,               // COMMIT / END (AND CHAIN: `values` = {"chain"})
  rollback,             // ROLLBACK / ABORT (AND CHAIN: `values` = {"chain"})
  savepoint,            // values[0]: the savepoint
  release,              // RELEASE [SAVEPOINT] values[0]
  rollback_to,          // ROLLBACK TO [SAVEPOINT] values[0]
  prepare_transaction,  // PREPARE TRANSACTION: the transaction leaves the session
  set,                  // SET values[0] = values[1..] (lower-cased setting; no items: a value that cannot be
                        // known; values[0] empty: a setting that cannot be known)
  set_local,            // SET LOCAL, the same
  reset,                // RESET values[0], SET values[0] TO DEFAULT
  reset_all,            // RESET ALL
  discard_all,          // DISCARD ALL (drops temp tables, resets settings)
  discard_temp,         // DISCARD TEMP
  view,                 // CREATE VIEW `object`: relations = what its FROM names; has_where: it filters
  inherit,              // `object` becomes a child or partition of relations[0]
  no_inherit,           // `object` stops being a child or partition of relations[0]
  foreign_table,        // CREATE FOREIGN TABLE `object`: relations[0] the remote table, values[0] the server
  foreign_server,       // CREATE SERVER `object` (name): values "key=value" options, values[0] the wrapper
  import_foreign_schema,  // IMPORT FOREIGN SCHEMA: `object.schema` the local schema, values[0] the
                          // server, values[1] the remote schema, relations the LIMIT TO tables (empty: all)
  trigger,              // CREATE TRIGGER on `object`: values = {function, timing, events...}, member the trigger
  trigger_function,     // CREATE FUNCTION `object` ... RETURNS trigger: values[0] its language
  new_row,              // in a trigger function's body: the statement sets `columns` of NEW (every_column:
                        // the whole row); values[0] "insert" when only on INSERT (a TG_OP test)
  prepare,              // PREPARE values[0]: the statement's effects `via` prepare are what EXECUTE runs
  execute,              // EXECUTE values[0]
  deallocate,           // DEALLOCATE values[0] ("" for ALL)
};

class SyntaxHandle;  // opaque: the parse tree of the DML statement, for rewrites (sql/rewrite.hpp)

struct Effect {
  Action action = Action::read;
  ObjectKind kind = ObjectKind::none;
  ObjectName object;
  std::vector<std::string> columns;  // set by UPDATE/ON CONFLICT/MERGE, dropped, retyped, renamed
  std::string member;     // a trigger, rule, policy or constraint of `object` (a table)
  bool has_where = false;
  Mutation mutation = Mutation::none;
  Via via = Via::direct;
  std::string via_name;   // the function, rule or prepared statement the effect hides in
  std::string verb;       // the SQL that has the effect, upper case: "DROP TABLE", "DELETE", ...
  ObjectName new_name;    // RENAME / SET SCHEMA target, for unit state
  bool creates = false;   // the statement creates `object` (unit state: not protected later)
  bool temporary = false; // a TEMP object
  bool only = false;      // ONLY `object`: not its inheritance children or partitions
  bool cascade = false;   // TRUNCATE ... CASCADE: the tables whose foreign keys reference it too
  bool every_column = false;  // the statement may set every column (a trigger replacing NEW)
  bool on_commit_drop = false;  // CREATE TEMP TABLE ... ON COMMIT DROP
  UnitFact fact = UnitFact::none;
  std::vector<std::string> values;       // what `fact` says, see UnitFact
  std::vector<ObjectName> relations;     // what `fact` links `object` to, see UnitFact
  std::shared_ptr<const SyntaxHandle> syntax;  // DELETE/UPDATE/TRUNCATE tree, for hints
};

}  // namespace pgwarden::sql
