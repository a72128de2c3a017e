// Unit state (DESIGN.md): what earlier statements of one unit (a `check` input, a migration, a
// proxy session, the SQL of one shell command) did that changes how later statements are judged.
//
//  - What the unit created is its own and not protected, and nothing more: a protected table
//    moved into a schema the unit created stays protected there, and a table the unit dropped
//    or renamed away, or created in a transaction it rolled back, is its own no longer.
//  - A protected table (or column, or schema) renamed or moved keeps its protection under its
//    new name.
//  - Bare names resolve the way PostgreSQL resolves them in the session: through the search_path
//    the unit set (SET, SET LOCAL, set_config, UPDATE pg_settings, RESET; rolled back with the
//    transaction), with the session's temp tables first unless the path lists pg_temp later
//    (https://www.postgresql.org/docs/15/runtime-config-client.html#GUC-SEARCH-PATH). A name
//    that could be several relations (`public.x` or `app.x`) is each of them.
//  - Where a write lands: the relations a view the unit created writes through to, the tables
//    the unit made children of a parent, the remote table of a foreign table.
//  - The trigger functions the unit created (which columns of NEW they set), for CREATE TRIGGER.
//  - The session's client_encoding: under an encoding whose bytes pgwarden does not read, text
//    with non-ASCII bytes is refused.
//
// A statement the proxy has sent but the server has not answered yet is recorded as `pending`:
// what it renames counts at once, what it creates only once it is confirmed.
//
// A copy shares the state until one of the two records something (copy on write): the proxy
// keeps a unit's state from before a statement, and policy::Evaluator keeps the state a
// statement leaves, which every repetition of it then takes over without a copy.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "sql/statement.hpp"

namespace pgwarden::policy {

// One relation a name in a statement may stand for.
struct Candidate {
  sql::ObjectName name;  // schema-qualified ("pg_temp" for the session's temp tables)
  bool own = false;      // created by this unit: nothing of it is protected
  [[nodiscard]] std::string key() const { return name.schema + "." + name.name; }
};

// A view the unit created: what a write to it reaches.
struct UnitView {
  std::vector<sql::ObjectName> relations;    // every relation its FROM may name
  bool filtered = false;                     // the view has a WHERE
  std::map<std::string, std::string> columns;  // a view column -> its table's column, where they differ
};

// A foreign table the unit knows: where its rows live.
struct UnitForeign {
  std::string server;
  sql::ObjectName remote;
};

// A trigger function the unit created.
struct UnitTriggerFunction {
  std::string language;              // "plpgsql", "sql", "c", ...
  std::string symbol;                // a C function's link symbol
  std::vector<std::string> columns;  // the columns of NEW it sets on UPDATE
  bool every_column = false;         // it replaces the whole row
};

class UnitState {
 public:
  // How a statement ran: `confirmed` (it did, or it is assumed to), or `pending` (sent, its
  // outcome not known yet: what it renames counts, what it creates does not).
  enum class Outcome : unsigned char { confirmed, pending };

  void record(const sql::Statement& statement, const Policy& policy, Outcome outcome = Outcome::confirmed);

  // What the server says about the session outside any statement (the proxy):
  // the open transaction has failed, so whatever ends it rolls it back;
  void transaction_failed();
  // no transaction is open (ReadyForQuery 'I'): if the unit thought one was, its end is not
  // known, and what it created is its own no longer;
  void transaction_idle();
  // the session's search_path before any statement changed it (a startup parameter);
  void set_session_search_path(std::vector<std::string> schemas);
  [[nodiscard]] bool has_session_search_path() const;
  // the session's client_encoding as the server reports it ("" when it cannot be known);
  void set_client_encoding(std::string encoding);
  // standard_conforming_strings as the server reports it;
  void set_standard_strings(bool on);
  // the role the session runs as ("$user" in a search path).
  void set_user(std::string user);
  // whether the database has a schema named after the role ("$user" is skipped where not);
  void set_user_schema_exists(bool exists);
  [[nodiscard]] bool user_schema_exists() const;
  // The role "$user" stands for ("" when not known).
  [[nodiscard]] std::string user() const;

  // The relations `name` (an object of `kind`, as a statement writes it) may stand for, in the
  // order PostgreSQL would look for them, up to the first the unit knows exists.
  [[nodiscard]] std::vector<Candidate> candidates(const sql::ObjectName& name, sql::ObjectKind kind,
                                                  const Policy& policy) const;
  // True when `name` is surely an object this unit created (every candidate is its own).
  [[nodiscard]] bool created(const sql::ObjectName& name, sql::ObjectKind kind, const Policy& policy) const;
  // The name the policy protects a candidate under: its original name if the unit renamed or
  // moved it (or renamed its schema).
  [[nodiscard]] sql::ObjectName protected_name(const Candidate& candidate) const;
  // The original name of a column the unit renamed.
  [[nodiscard]] std::string original_column(const Candidate& table, const std::string& column) const;

  [[nodiscard]] const UnitView* view(const Candidate& relation) const;
  [[nodiscard]] std::vector<sql::ObjectName> children(const Candidate& relation) const;
  [[nodiscard]] std::optional<UnitForeign> foreign_table(const Candidate& relation) const;
  [[nodiscard]] std::optional<std::vector<std::string>> foreign_server(const std::string& server) const;
  [[nodiscard]] const UnitTriggerFunction* trigger_function(const sql::ObjectName& function) const;
  // The protected tables the unit moved into `schema` (a DROP SCHEMA drops them).
  [[nodiscard]] std::vector<sql::ObjectName> moved_into(const std::string& schema) const;

  // The session's search path as the unit knows it (std::nullopt: it cannot be known), and its
  // client_encoding ("UTF8" unless told otherwise; "" when it cannot be known).
  [[nodiscard]] std::optional<std::vector<std::string>> search_path(const Policy& policy) const;
  // The same without a copy: null when not known; valid while this state and `policy` are.
  [[nodiscard]] const std::vector<std::string>* known_search_path(const Policy& policy) const;
  [[nodiscard]] std::string client_encoding() const;
  // standard_conforming_strings (std::nullopt: a change whose outcome is not known).
  [[nodiscard]] std::optional<bool> standard_strings() const;
  // What EXECUTE name runs (PREPARE recorded here), or null.
  [[nodiscard]] const std::vector<sql::Effect>* prepared(const std::string& name) const;

  // True while the unit has recorded nothing: verdicts then depend on the statement and the
  // policy alone.
  [[nodiscard]] bool empty() const { return m_state == nullptr && !m_transaction.open; }
  // True when the unit judges every statement as an empty one does: it knows who the session is
  // and the path it starts with, which resolves names as the policy's does, and nothing else.
  [[nodiscard]] bool neutral(const Policy& policy) const;
  // True when recording `statement` could change a unit (what it creates, renames, drops, links,
  // sets, or how it ends a transaction): every other statement leaves every unit as it was.
  [[nodiscard]] static bool changes_units(const sql::Statement& statement);
  // True when what this unit recorded could change how `statement` is judged. Otherwise its
  // verdict is the one it gets in an empty unit.
  [[nodiscard]] bool bears_on(const sql::Statement& statement, const Policy& policy) const;

  // Becomes a copy of `*other` that keeps `other`'s owner alive instead of sharing its state
  // (a copy would touch their counter): what policy::Evaluator hands a unit from a kept verdict.
  void share(const std::shared_ptr<const UnitState>& other);

  struct State;  // unit_state_internal.hpp

 private:
  // The open transaction: the state when it began and at each savepoint, to go back to when it
  // (or a savepoint) rolls back. Snapshots share the state (copy on write), so taking one costs
  // a pointer copy.
  struct Transaction {
    bool open = false;
    bool failed = false;  // the server reported it failed: COMMIT rolls it back
    std::shared_ptr<State> start;
    std::vector<std::pair<std::string, std::shared_ptr<State>>> savepoints;
  };

  [[nodiscard]] const State& state() const;
  State& state_to_change();          // this unit's own, copied first when shared
  void apply(const sql::Statement& statement, const sql::Effect& e, const Policy& policy, Outcome outcome);
  void begin();
  void commit(bool pending);
  void roll_back_to(const std::shared_ptr<State>& snapshot);
  // Where CREATE puts `e.object`: "schema.name", "pg_temp.name", ".schema"; none when it cannot
  // be known (an unknown search path).
  [[nodiscard]] std::optional<std::string> creation_key(const sql::Effect& e, const Policy& policy) const;
  // "$user" as the session's role.
  [[nodiscard]] std::string user_schema(const std::string& schema) const;
  void forget_creations_since_start();

  std::shared_ptr<State> m_state;    // null while nothing is recorded
  Transaction m_transaction;
};

}  // namespace pgwarden::policy
