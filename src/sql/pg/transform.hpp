// The transform: PostgreSQL 15's raw parse nodes in, pgwarden's effects out.
//
// Every statement node of the grammar has a handler (transform_dml.cpp, transform_ddl.cpp,
// transform_utility.cpp, routines.cpp); none falls through to "unknown". Statements hidden in
// other statements (CTEs, EXPLAIN ANALYZE, PREPARE, rules, COPY (query), routine bodies, DO)
// are transformed where they hide, with `via` saying where. Expressions are searched by one
// walker (walker.cpp) for the function calls and subqueries they contain.
//
// Include after every other header (sql/pg/nodes.hpp says why).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>
#include <type_traits>

#include "sql/pg/syntax.hpp"
#include "sql/statement.hpp"
#include "sql/pg/nodes.hpp"

namespace pgwarden::sql::pg {

// Maximum nesting of parse nodes the transform follows. A 10,000-deep expression is refused;
// ordinary generated SQL stays far below.
inline constexpr int k_max_tree_depth = 3000;
// Maximum nesting of routine bodies (a DO inside a function body inside ...).
inline constexpr int k_max_body_depth = 6;

struct Context {
  Analysis& out;
  std::string_view text;   // the statement's text (for routine bodies)
  std::string_view chunk;  // the text that was parsed; node locations are offsets into it
  Via via = Via::direct;
  std::string via_name;
  int depth = 0;       // node nesting, bounded by k_max_tree_depth
  int nesting = 0;     // statement nesting: 0 while in the top-level statement's own handler
  int body_depth = 0;  // routine-body nesting, bounded by k_max_body_depth
  bool too_deep = false;
  std::shared_ptr<const std::string> chunk_copy;  // made on the first syntax handle
  // Set when the transform runs only to find a statement again (find_dml): syntax_of records
  // the statement whose relation is at `location`, and routine bodies, which live in texts of
  // their own, are not entered.
  struct Probe {
    int location;
    const Node* found = nullptr;
  };
  Probe* probe = nullptr;

  // Adds an effect, stamped with where it hides.
  Effect& add(Effect effect);
  Effect& add(Action action, ObjectKind kind, ObjectName object, std::string verb);
};

// Enters a hiding place: effects added inside are stamped `via` (the outermost place wins).
class ViaScope {
 public:
  ViaScope(Context& ctx, Via via, std::string name);
  ~ViaScope();
  ViaScope(const ViaScope&) = delete;
  ViaScope& operator=(const ViaScope&) = delete;

 private:
  Context& m_ctx;
  Via m_saved;
  std::string m_saved_name;
};

// Marks a statement handler: statements met inside it are nested (subqueries, CTE bodies).
class NestScope {
 public:
  explicit NestScope(Context& ctx) : m_ctx(ctx), m_top(ctx.nesting == 0) { ++ctx.nesting; }
  ~NestScope() { --m_ctx.nesting; }
  NestScope(const NestScope&) = delete;
  NestScope& operator=(const NestScope&) = delete;
  [[nodiscard]] bool top() const { return m_top; }

 private:
  Context& m_ctx;
  bool m_top;
};

// A handle on `statement` (a DELETE, UPDATE or INSERT whose target is `relation`), for hint
// rewrites.
std::shared_ptr<const SyntaxHandle> syntax_of(Context& ctx, const Node* statement, const RangeVar* relation);

// The statement a syntax handle points at, found again in a parse of the handle's text by the
// same traversal that made the handle; null if it is not there.
const Node* find_dml(const RawParse& parsed, const SyntaxHandle& handle);

// Dispatches on the statement node; every node kind of the grammar is handled.
void transform_statement(Context& ctx, const Node* node);

// Family handlers; each returns true when it handled the node.
bool transform_dml(Context& ctx, const Node* node);
bool transform_ddl(Context& ctx, const Node* node);
bool transform_routine(Context& ctx, const Node* node);
bool transform_utility(Context& ctx, const Node* node);

// Searches a node for function calls, subqueries and nested statements.
void walk(Context& ctx, const Node* node);
inline void walk(Context& ctx, const List* list) {
  for (const Node* n : nodes(list)) walk(ctx, n);
}
template <class T>
void walk(Context& ctx, const T* node) requires(!std::is_same_v<T, Node> && !std::is_same_v<T, List>) {
  walk(ctx, reinterpret_cast<const Node*>(node));
}
// The same for a node that stands where only its value reaches the server (an UPDATE's SET
// value, an item of a VALUES row): a constant there is data, which nothing in the analysis reads.
// Every other constant the walker meets sets Analysis::constant_values_matter.
void walk_value(Context& ctx, const Node* node);

// A function call met anywhere: destructive functions and set_config become effects, other
// calls are recorded for doors that can resolve them.
void function_call(Context& ctx, const FuncCall* call);
// A function named somewhere other than a call (an operator's FUNCTION, a cast's WITH FUNCTION,
// an aggregate's SFUNC): judged as a call of it, since it runs wherever that is used.
void called_by_name(Context& ctx, const List* funcname);

// Where a setting takes effect: this session (SET), this transaction (SET LOCAL), or somewhere
// the unit does not follow (a routine's SET clause, ALTER ROLE / DATABASE / SYSTEM ... SET).
enum class SettingScope : unsigned char { session, local, elsewhere };

// A setting made by any statement (settings.cpp): `values` are the items of the new value (empty:
// the default; std::nullopt: cannot be known). Adds the effect that judges it (disable_safeguard,
// else `otherwise`) and, for this session, the unit fact.
void setting_effect(Context& ctx, std::string name, std::optional<std::vector<std::string>> values,
                    SettingScope scope, std::string verb, Action otherwise = Action::session,
                    ObjectKind kind = ObjectKind::none, ObjectName object = {});
// True when setting `name` (lower case) to `values` turns a safeguard off.
bool disables_safeguard(std::string_view name, const std::optional<std::vector<std::string>>& values);
// split_identifier_list: sql/effect.hpp.
// Adds `name` to a list of names (Analysis::operators, field_names) unless it is there already.
void note_name(std::vector<std::string>& names, std::string_view name);
void note_relation(std::vector<ObjectName>& names, const ObjectName& name);

// Relation links (transform_links.cpp): a view's FROM relations, acting foreign keys, foreign
// tables and servers, IMPORT FOREIGN SCHEMA.
// `aliases`: the view's own column names (CREATE VIEW v (a, b) AS ...), NIL when not given.
void view_fact(Effect& view, const Node* query, const List* aliases);
void foreign_key_effects(Context& ctx, const ObjectName& table, const Constraint* c, const std::string& column);
void column_foreign_keys(Context& ctx, const ObjectName& table, const ColumnDef* column);
void foreign_table_fact(Effect& created, const CreateForeignTableStmt& s);
void foreign_server_fact(Context& ctx, const CreateForeignServerStmt& s);
void import_foreign_schema_fact(Context& ctx, const ImportForeignSchemaStmt& s);

// CREATE TRIGGER (triggers.cpp): the trigger fact, and the effects of the C trigger functions
// PostgreSQL and its contrib modules ship (moddatetime, refint, lo_manage, ...).
void create_trigger(Context& ctx, const CreateTrigStmt& s);

// A system catalog (catalogs.cpp): pg_catalog.*, pg_toast.*, information_schema.*, or a bare name of
// one of PostgreSQL 15's pg_catalog relations.
bool is_system_catalog(const ObjectName& name);

// Analyzes routine-body text (LANGUAGE sql bodies, constant EXECUTE strings) inside ctx.
void analyze_body_text(Context& ctx, std::string_view body);

// PL/pgSQL: a CREATE FUNCTION/PROCEDURE statement's full text, or a DO block's body.
void analyze_plpgsql_function(Context& ctx, const std::string& create_statement);
void analyze_plpgsql_do(Context& ctx, std::string_view body);

}  // namespace pgwarden::sql::pg
