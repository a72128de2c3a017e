// PL/pgSQL bodies through libpg_query's PL/pgSQL parser (pg_query_parse_plpgsql), which returns
// the compiled function as JSON. Every PLpgSQL_expr in it is SQL that the body runs: whole
// statements (`DELETE FROM t WHERE ...`), bare expressions (`(SELECT count(*) FROM t) > 0`) or
// assignments (`x := lo_unlink(3)`); each is analyzed. EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR
// EXECUTE and RETURN QUERY EXECUTE run a string: a constant string is analyzed like any SQL, any
// other string is `dynamic_sql` (https://www.postgresql.org/docs/15/plpgsql-statements.html
// #PLPGSQL-STATEMENTS-EXECUTING-DYN).
#include <optional>

#include <nlohmann/json.hpp>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

using nlohmann::json;

constexpr int k_max_json_depth = 400;

// The value of a constant string expression: 'a', 'a' || 'b', 'a'::text, E'...'.
std::optional<std::string> constant_string(const Node* n, int depth = 0) {
  if (n == nullptr || depth > 64) return std::nullopt;
  if (const auto* c = as<A_Const>(n, T_A_Const)) {
    if (!c->isnull && nodeTag(&c->val) == T_String) return std::string(text(c->val.sval.sval));
    return std::nullopt;
  }
  if (const auto* cast = as<TypeCast>(n, T_TypeCast)) return constant_string(cast->arg, depth + 1);
  if (const auto* e = as<A_Expr>(n, T_A_Expr)) {
    if (e->kind != AEXPR_OP || nodes(e->name).size() != 1 || string_of(nodes(e->name)[0]) != "||") {
      return std::nullopt;
    }
    auto l = constant_string(e->lexpr, depth + 1);
    auto r = constant_string(e->rexpr, depth + 1);
    if (!l || !r) return std::nullopt;
    return *l + *r;
  }
  return std::nullopt;
}

// The constant a dynamic query expression evaluates to, if it is one.
std::optional<std::string> constant_query(const std::string& expr) {
  const RawParse p("SELECT " + expr);
  if (p.statements().size() != 1) return std::nullopt;
  const auto* s = as<SelectStmt>(get<RawStmt>(p.statements()[0]).stmt, T_SelectStmt);
  if (s == nullptr || nodes(s->targetList).size() != 1 || s->fromClause != NIL) return std::nullopt;
  const auto* target = as<ResTarget>(nodes(s->targetList)[0], T_ResTarget);
  return target != nullptr ? constant_string(target->val) : std::nullopt;
}

bool parses(const std::string& text) { return RawParse(text).ok(); }

// The right-hand side of a PL/pgSQL assignment `target := expr` (or `target = expr`).
std::optional<std::string> assignment_value(const std::string& q) {
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i + 1 < q.size(); ++i) {
    const char c = q[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    else if (c == '(' || c == '[') ++depth;
    else if (c == ')' || c == ']') --depth;
    else if (depth == 0 && c == ':' && q[i + 1] == '=') return q.substr(i + 2);
  }
  return std::nullopt;
}

void static_expression(Context& ctx, const std::string& q) {
  if (q.empty()) return;
  if (parses(q)) {
    analyze_body_text(ctx, q);
    return;
  }
  std::string as_select = "SELECT " + q;
  if (parses(as_select)) {
    analyze_body_text(ctx, as_select);
    return;
  }
  if (auto rhs = assignment_value(q)) {
    as_select = "SELECT " + *rhs;
    if (parses(as_select)) {
      analyze_body_text(ctx, as_select);
      return;
    }
  }
  ctx.add(Action::parse_error, ObjectKind::none, {}, "PL/pgSQL expression that does not parse: " + q);
}

void dynamic_expression(Context& ctx, const std::string& q) {
  if (auto text = constant_query(q)) {
    const ViaScope scope(ctx, Via::dynamic_string, "EXECUTE");
    analyze_body_text(ctx, *text);
    return;
  }
  ctx.add(Action::dynamic_sql, ObjectKind::none, {}, "EXECUTE " + q);
}

void visit(Context& ctx, const json& j, std::string_view owner, bool dynamic, int depth) {
  if (depth > k_max_json_depth) {
    ctx.too_deep = true;
    return;
  }
  if (j.is_array()) {
    for (const auto& item : j) visit(ctx, item, owner, false, depth + 1);
    return;
  }
  if (!j.is_object()) return;
  for (const auto& [key, value] : j.items()) {
    if (key == "PLpgSQL_expr") {
      const std::string q = value.is_object() ? value.value("query", "") : "";
      if (dynamic) {
        dynamic_expression(ctx, q);
      } else {
        static_expression(ctx, q);
      }
      continue;
    }
    const bool dyn = key == "dynquery" ||
                     (key == "query" && (owner == "PLpgSQL_stmt_dynexecute" || owner == "PLpgSQL_stmt_dynfors"));
    const std::string_view next = key.rfind("PLpgSQL_stmt_", 0) == 0 ? std::string_view(key) : owner;
    visit(ctx, value, next, dyn, depth + 1);
  }
}

}  // namespace

void analyze_plpgsql_function(Context& ctx, const std::string& create_statement) {
  if (ctx.probe != nullptr) return;
  PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(create_statement.c_str());
  if (r.error != nullptr) {
    const std::string message = r.error->message != nullptr ? r.error->message : "PL/pgSQL error";
    pg_query_free_plpgsql_parse_result(r);
    ctx.add(Action::parse_error, ObjectKind::none, {}, "PL/pgSQL body: " + message);
    return;
  }
  json tree = json::parse(r.plpgsql_funcs != nullptr ? r.plpgsql_funcs : "[]", nullptr, false);
  pg_query_free_plpgsql_parse_result(r);
  if (tree.is_discarded()) {
    ctx.add(Action::parse_error, ObjectKind::none, {}, "PL/pgSQL body could not be read");
    return;
  }
  visit(ctx, tree, "", false, 0);
}

void analyze_plpgsql_do(Context& ctx, std::string_view body) {
  // libpg_query parses PL/pgSQL only as a function: wrap the block in one, dollar-quoted with a
  // tag that does not occur in the body.
  std::string tag = "$pgwarden$";
  for (int i = 0; body.find(tag) != std::string_view::npos; ++i) tag = "$pgwarden" + std::to_string(i) + "$";
  std::string text = "CREATE FUNCTION pgwarden_do_block() RETURNS void LANGUAGE plpgsql AS ";
  text += tag;
  text += body;
  text += tag;
  analyze_plpgsql_function(ctx, text);
}

}  // namespace pgwarden::sql::pg
