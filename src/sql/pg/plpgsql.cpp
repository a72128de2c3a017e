// PL/pgSQL bodies through libpg_query's PL/pgSQL parser (pg_query_parse_plpgsql), which returns
// the compiled function as JSON. Every PLpgSQL_expr in it is SQL that the body runs: whole
// statements (`DELETE FROM t WHERE ...`), bare expressions (`(SELECT count(*) FROM t) > 0`) or
// assignments (`x := lo_unlink(3)`); each is analyzed. EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR
// EXECUTE and RETURN QUERY EXECUTE run a string: a constant string is analyzed like any SQL, any
// other string is `dynamic_sql` (https://www.postgresql.org/docs/15/plpgsql-statements.html
// #PLPGSQL-STATEMENTS-EXECUTING-DYN).
#include <nlohmann/json.hpp>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

using nlohmann::json;

constexpr int k_max_json_depth = 400;

// The value of a constant string expression: 'a', 'a' || 'b', 'a'::text, E'...'.
std::optional<std::string> constant_string(const PgQuery__Node* n, int depth = 0) {
  if (n == nullptr || depth > 64) return std::nullopt;
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST:
      if (n->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) return std::string(n->a_const->sval->sval);
      return std::nullopt;
    case PG_QUERY__NODE__NODE_TYPE_CAST:
      return constant_string(n->type_cast->arg, depth + 1);
    case PG_QUERY__NODE__NODE_A_EXPR: {
      const auto* e = n->a_expr;
      if (e->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP || e->n_name != 1 || string_of(e->name[0]) != "||") {
        return std::nullopt;
      }
      auto l = constant_string(e->lexpr, depth + 1);
      auto r = constant_string(e->rexpr, depth + 1);
      if (!l || !r) return std::nullopt;
      return *l + *r;
    }
    default:
      return std::nullopt;
  }
}

// The constant a dynamic query expression evaluates to, if it is one.
std::optional<std::string> constant_query(const std::string& expr) {
  const Parsed p = parse("SELECT " + expr);
  if (!p.tree || p.tree->n_stmts != 1) return std::nullopt;
  const auto* stmt = p.tree->stmts[0]->stmt;
  if (stmt == nullptr || stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) return std::nullopt;
  const auto* s = stmt->select_stmt;
  if (s->n_target_list != 1 || s->n_from_clause != 0 ||
      s->target_list[0]->node_case != PG_QUERY__NODE__NODE_RES_TARGET) {
    return std::nullopt;
  }
  return constant_string(s->target_list[0]->res_target->val);
}

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
  if (parse(q).tree) {
    analyze_body_text(ctx, q);
    return;
  }
  std::string as_select = "SELECT " + q;
  if (parse(as_select).tree) {
    analyze_body_text(ctx, as_select);
    return;
  }
  if (auto rhs = assignment_value(q)) {
    as_select = "SELECT " + *rhs;
    if (parse(as_select).tree) {
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
