// PL/pgSQL bodies through libpg_query's PL/pgSQL parser (pg_query_parse_plpgsql), which returns
// the compiled function as JSON. Every PLpgSQL_expr in it is SQL that the body runs: whole
// statements (`DELETE FROM t WHERE ...`), bare expressions (`(SELECT count(*) FROM t) > 0`) or
// assignments (`x := lo_unlink(3)`); each is analyzed. EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR
// EXECUTE and RETURN QUERY EXECUTE run a string: a constant string is analyzed like any SQL, any
// other string is `dynamic_sql` (https://www.postgresql.org/docs/15/plpgsql-statements.html
// #PLPGSQL-STATEMENTS-EXECUTING-DYN).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

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

// What assigning to NEW does in a trigger function: it sets columns of the row an INSERT or
// UPDATE writes (https://www.postgresql.org/docs/15/plpgsql-trigger.html). A BEFORE UPDATE
// trigger that assigns NEW.id rewrites an immutable column on every update, whatever the UPDATE
// said. The effects carry no table: a CREATE TRIGGER binds them to one (policy engine).
class TriggerBody {
 public:
  TriggerBody(const json& function) {
    m_new = function.value("new_varno", -1);
    m_old = function.value("old_varno", -1);
    if (const auto it = function.find("datums"); it != function.end() && it->is_array()) m_datums = &*it;
  }
  [[nodiscard]] bool active() const { return m_new >= 0 && m_datums != nullptr; }

  // The NEW column datum `varno` is, "*" for NEW itself, "" for anything else.
  [[nodiscard]] std::string column_of(int varno) const {
    if (!active() || varno < 0 || static_cast<std::size_t>(varno) >= m_datums->size()) return {};
    if (varno == m_new) return "*";
    const json& d = (*m_datums)[static_cast<std::size_t>(varno)];
    if (const auto f = d.find("PLpgSQL_recfield"); f != d.end() && f->value("recparentno", -1) == m_new) {
      return f->value("fieldname", "");
    }
    return {};
  }
  // The NEW columns a target (PLpgSQL_rec, PLpgSQL_row, or a datum number) stands for.
  [[nodiscard]] std::vector<std::string> columns_of_target(const json& target) const {
    std::vector<std::string> out;
    if (target.is_number_integer()) {
      if (auto c = column_of(target.get<int>()); !c.empty()) out.push_back(std::move(c));
      return out;
    }
    if (!target.is_object()) return out;
    if (const auto rec = target.find("PLpgSQL_rec"); rec != target.end()) {
      if (rec->value("dno", -1) == m_new) out.emplace_back("*");
    }
    if (const auto row = target.find("PLpgSQL_row"); row != target.end()) {
      for (const auto& field : row->value("fields", json::array())) {
        if (auto c = column_of(field.value("varno", -1)); !c.empty()) out.push_back(std::move(c));
      }
    }
    return out;
  }

 private:
  int m_new = -1;
  int m_old = -1;
  const json* m_datums = nullptr;
};

std::string trimmed_lower(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == ';')) s.remove_suffix(1);
  return lower(s);
}

// `TG_OP = 'INSERT'`: the branch runs only on INSERT.
bool insert_only_condition(const json& cond) {
  const auto expr = cond.find("PLpgSQL_expr");
  if (expr == cond.end()) return false;
  std::string q = trimmed_lower(expr->value("query", ""));
  q.erase(std::remove(q.begin(), q.end(), ' '), q.end());
  return q == "tg_op='insert'" || q == "'insert'=tg_op";
}

class BodyVisitor {
 public:
  BodyVisitor(Context& ctx, const TriggerBody& trigger) : m_ctx(ctx), m_trigger(trigger) {}

  void visit(const json& j, std::string_view owner, bool dynamic, int depth) {
    if (depth > k_max_json_depth) {
      m_ctx.too_deep = true;
      return;
    }
    if (j.is_array()) {
      for (const auto& item : j) visit(item, owner, false, depth + 1);
      return;
    }
    if (!j.is_object()) return;
    if (m_trigger.active()) trigger_statement(j, depth);
    for (const auto& [key, value] : j.items()) {
      if (key == "PLpgSQL_expr") {
        const std::string q = value.is_object() ? value.value("query", "") : "";
        if (dynamic) {
          dynamic_expression(m_ctx, q);
        } else {
          static_expression(m_ctx, q);
        }
        continue;
      }
      if (key == "then_body" && m_trigger.active() && owner == "PLpgSQL_stmt_if" && insert_only_condition(j.value("cond", json::object()))) {
        const bool saved = m_insert_only;
        m_insert_only = true;
        visit(value, owner, false, depth + 1);
        m_insert_only = saved;
        continue;
      }
      const bool dyn = key == "dynquery" ||
                       (key == "query" && (owner == "PLpgSQL_stmt_dynexecute" || owner == "PLpgSQL_stmt_dynfors"));
      const std::string_view next = key.rfind("PLpgSQL_stmt_", 0) == 0 ? std::string_view(key) : owner;
      visit(value, next, dyn, depth + 1);
    }
  }

 private:
  // A statement of a trigger function that writes NEW (or returns another row than NEW).
  void trigger_statement(const json& j, int depth) {
    (void)depth;
    for (const auto& [key, stmt] : j.items()) {
      if (!stmt.is_object()) continue;
      std::vector<std::string> columns;
      if (key == "PLpgSQL_stmt_assign") {
        const std::string column = m_trigger.column_of(stmt.value("varno", -1));
        if (column.empty()) continue;
        const std::string q = stmt.value("expr", json::object()).value("PLpgSQL_expr", json::object()).value("query", "");
        // NEW.c := OLD.c keeps the value.
        if (const auto rhs = assignment_value(q); rhs && column != "*" && trimmed_lower(*rhs) == "old." + lower(column)) continue;
        columns.push_back(column);
      } else if (key == "PLpgSQL_stmt_return") {
        const std::string q = trimmed_lower(stmt.value("expr", json::object()).value("PLpgSQL_expr", json::object()).value("query", ""));
        if (q.empty() || q == "new" || q == "old" || q == "null") continue;
        columns.emplace_back("*");  // a row of the function's own making replaces the one written
      } else {
        for (const char* field : {"target", "var", "varno"}) {
          if (const auto t = stmt.find(field); t != stmt.end()) {
            for (auto& c : m_trigger.columns_of_target(*t)) columns.push_back(std::move(c));
          }
        }
        for (const auto& item : stmt.value("diag_items", json::array())) {
          const auto d = item.find("PLpgSQL_diag_item");
          if (d != item.end()) {
            for (auto& c : m_trigger.columns_of_target(d->value("target", json()))) columns.push_back(std::move(c));
          }
        }
      }
      if (columns.empty()) continue;
      auto& e = m_ctx.add(Action::write, ObjectKind::table, {}, "assignment to NEW in a trigger function");
      e.fact = UnitFact::new_row;
      e.mutation = Mutation::update;
      e.has_where = true;
      for (auto& c : columns) {
        if (c == "*") {
          e.every_column = true;
        } else if (std::find(e.columns.begin(), e.columns.end(), c) == e.columns.end()) {
          e.columns.push_back(std::move(c));
        }
      }
      if (m_insert_only) e.values.emplace_back("insert");
    }
  }

  Context& m_ctx;
  const TriggerBody& m_trigger;
  bool m_insert_only = false;
};

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
  for (const auto& function : tree.is_array() ? tree : json::array()) {
    const auto f = function.find("PLpgSQL_function");
    if (f == function.end()) continue;
    const TriggerBody trigger(*f);
    BodyVisitor(ctx, trigger).visit(*f, "", false, 0);  // the datums too: DECLARE x := ... runs
  }
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
