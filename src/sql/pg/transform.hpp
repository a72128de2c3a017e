// The transform: a PostgreSQL 15 parse tree in, pgwarden's effects out.
//
// Every statement node of the grammar has a handler (transform_dml.cpp, transform_ddl.cpp,
// transform_utility.cpp, routines.cpp); none falls through to "unknown". Statements hidden in
// other statements (CTEs, EXPLAIN ANALYZE, PREPARE, rules, COPY (query), routine bodies, DO)
// are transformed where they hide, with `via` saying where. Expressions are searched by one
// generic walker (walker.cpp) for the function calls and subqueries they contain.
#pragma once

#include <string>
#include <string_view>

#include "sql/pg/parse_tree.hpp"
#include "sql/statement.hpp"

namespace pgwarden::sql::pg {

// Maximum nesting of parse-tree messages the walker follows. A 10,000-deep expression is
// refused; ordinary generated SQL stays far below (each expression level is two messages).
inline constexpr int k_max_tree_depth = 3000;
// Maximum nesting of routine bodies (a DO inside a function body inside ...).
inline constexpr int k_max_body_depth = 6;

struct Context {
  Analysis& out;
  ParseTree tree;                 // kept by effects' syntax handles; null = keep none
  std::string_view text;          // the text the tree was parsed from (for routine bodies)
  Via via = Via::direct;
  std::string via_name;
  int depth = 0;       // message nesting, bounded by k_max_tree_depth
  int nesting = 0;     // statement nesting: 0 while in the top-level statement's own handler
  int body_depth = 0;  // routine-body nesting, bounded by k_max_body_depth
  bool too_deep = false;

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

// Keeps the DML node alive for hint rewrites (sql/rewrite.hpp), when the tree may be kept.
std::shared_ptr<const SyntaxHandle> syntax_of(const Context& ctx, const PgQuery__Node* node);

// Dispatches on the statement node; every node kind of the grammar is handled.
void transform_statement(Context& ctx, const PgQuery__Node* node);

// Family handlers; each returns true when it handled the node.
bool transform_dml(Context& ctx, const PgQuery__Node* node);
bool transform_ddl(Context& ctx, const PgQuery__Node* node);
bool transform_routine(Context& ctx, const PgQuery__Node* node);
bool transform_utility(Context& ctx, const PgQuery__Node* node);

// Searches any message for function calls, subqueries and nested statements.
void walk(Context& ctx, const ProtobufCMessage* message);
inline void walk(Context& ctx, const PgQuery__Node* node) {
  if (node != nullptr) walk(ctx, &node->base);
}
template <class T>
void walk_all(Context& ctx, T* const* items, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (items[i] != nullptr) walk(ctx, &items[i]->base);
  }
}

// A function call met anywhere: destructive functions and set_config become effects, other
// calls are recorded for doors that can resolve them.
void function_call(Context& ctx, const PgQuery__FuncCall* call);

// Analyzes routine-body text (LANGUAGE sql bodies, constant EXECUTE strings) inside ctx.
void analyze_body_text(Context& ctx, std::string_view body);

// PL/pgSQL: a CREATE FUNCTION/PROCEDURE statement's full text, or a DO block's body.
void analyze_plpgsql_function(Context& ctx, const std::string& create_statement);
void analyze_plpgsql_do(Context& ctx, std::string_view body);

}  // namespace pgwarden::sql::pg
