// Row-level statements: SELECT, INSERT (ON CONFLICT DO UPDATE), UPDATE, DELETE, MERGE, COPY,
// and the statements that carry one inside: EXPLAIN [ANALYZE], PREPARE, DECLARE CURSOR, CALL.
//
// A data-modifying CTE runs whether or not the main query references it
// (https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING), so every CTE
// body is transformed. EXPLAIN runs its statement only with ANALYZE
// (https://www.postgresql.org/docs/15/sql-explain.html). A WHERE that is constant true
// (`WHERE true`, `WHERE 1 = 1`, `WHERE id = id`, `OR true`) filters nothing and counts as none.
#include <optional>
#include <string>
#include <vector>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

NodeTag const_tag(const A_Const* c) { return nodeTag(&c->val); }

bool same_constant(const A_Const* a, const A_Const* b) {
  if (a->isnull || b->isnull || const_tag(a) != const_tag(b)) return false;
  switch (const_tag(a)) {
    case T_Integer: return a->val.ival.ival == b->val.ival.ival;
    case T_Float: return text(a->val.fval.fval) == text(b->val.fval.fval);
    case T_Boolean: return a->val.boolval.boolval == b->val.boolval.boolval;
    case T_String: return text(a->val.sval.sval) == text(b->val.sval.sval);
    default: return false;
  }
}

bool same_column(const ColumnRef* a, const ColumnRef* b) {
  const NodeList fa = nodes(a->fields);
  const NodeList fb = nodes(b->fields);
  if (fa.size() != fb.size()) return false;
  for (std::size_t i = 0; i < fa.size(); ++i) {
    if (string_of(fa[i]) != string_of(fb[i]) || string_of(fa[i]).empty()) return false;
  }
  return true;
}

// The boolean constant a node spells, if it is one: true, 't'::boolean, false, ...
std::optional<bool> boolean_constant(const Node* n, int depth = 0) {
  if (n == nullptr || depth > 8) return std::nullopt;
  if (const auto* c = as<A_Const>(n, T_A_Const)) {
    if (!c->isnull && const_tag(c) == T_Boolean) return c->val.boolval.boolval;
    return std::nullopt;
  }
  if (const auto* cast = as<TypeCast>(n, T_TypeCast)) {
    if (const auto* c = as<A_Const>(cast->arg, T_A_Const); c != nullptr && !c->isnull) {
      if (const_tag(c) == T_String) {
        const std::string_view v = text(c->val.sval.sval);
        if (v == "t" || v == "true" || v == "on" || v == "yes" || v == "y" || v == "1") return true;
        if (v == "f" || v == "false" || v == "off" || v == "no" || v == "n" || v == "0") return false;
      }
      if (const_tag(c) == T_Integer) return c->val.ival.ival != 0;
      return boolean_constant(cast->arg, depth + 1);
    }
  }
  return std::nullopt;
}

bool is_contradiction(const Node* n, int depth);

// A predicate that holds for every row (as far as a static reading can tell).
bool is_tautology(const Node* n, int depth = 0) {
  if (n == nullptr || depth > 16) return false;
  if (auto b = boolean_constant(n)) return *b;
  if (const auto* e = as<BoolExpr>(n, T_BoolExpr)) {
    const NodeList args = nodes(e->args);
    switch (e->boolop) {
      case OR_EXPR:
        for (const Node* a : args) {
          if (is_tautology(a, depth + 1)) return true;
        }
        return false;
      case AND_EXPR:
        for (const Node* a : args) {
          if (!is_tautology(a, depth + 1)) return false;
        }
        return !args.empty();
      case NOT_EXPR:
        return args.size() == 1 && is_contradiction(args[0], depth + 1);
    }
    return false;
  }
  if (const auto* e = as<A_Expr>(n, T_A_Expr)) {
    if (e->kind != AEXPR_OP || nodes(e->name).size() != 1 || e->lexpr == nullptr || e->rexpr == nullptr) {
      return false;
    }
    const std::string_view op = string_of(nodes(e->name)[0]);
    const auto* lc = as<A_Const>(e->lexpr, T_A_Const);
    const auto* rc = as<A_Const>(e->rexpr, T_A_Const);
    if (op == "=" || op == ">=" || op == "<=") {
      if (lc != nullptr && rc != nullptr) return same_constant(lc, rc);
      const auto* l = as<ColumnRef>(e->lexpr, T_ColumnRef);
      const auto* r = as<ColumnRef>(e->rexpr, T_ColumnRef);
      return l != nullptr && r != nullptr && same_column(l, r);
    }
    if (op == "<>" || op == "!=") {
      return lc != nullptr && rc != nullptr && !lc->isnull && !rc->isnull && const_tag(lc) == const_tag(rc) &&
             !same_constant(lc, rc);
    }
    return false;
  }
  if (const auto* t = as<NullTest>(n, T_NullTest)) {
    const auto* c = as<A_Const>(reinterpret_cast<const Node*>(t->arg), T_A_Const);
    if (c == nullptr) return false;
    return t->nulltesttype == IS_NULL ? c->isnull : !c->isnull;
  }
  return false;
}

bool is_contradiction(const Node* n, int depth) {
  if (auto b = boolean_constant(n)) return !*b;
  if (const auto* e = as<BoolExpr>(n, T_BoolExpr); e != nullptr && e->boolop == NOT_EXPR) {
    const NodeList args = nodes(e->args);
    return args.size() == 1 && is_tautology(args[0], depth + 1);
  }
  return false;
}

// True when the expression reads any column. A WHERE that reads none is the same for every row
// (`1 IN (1)`, `EXISTS (SELECT 1)`, `coalesce(NULL, true)`, `random() < 2`): all or nothing.
bool reads_a_column(const Node* n, int depth = 0) {
  if (n == nullptr) return false;
  if (depth > 64) return true;  // too deep to tell: assume it filters, as before this check
  const auto any = [&](const List* list) {
    for (const Node* item : nodes(list)) {
      if (reads_a_column(item, depth + 1)) return true;
    }
    return false;
  };
  switch (nodeTag(n)) {
    case T_ColumnRef: return true;
    case T_A_Const:
    case T_ParamRef: return false;
    case T_List: return any(reinterpret_cast<const List*>(n));
    case T_A_Expr: return reads_a_column(get<A_Expr>(n).lexpr, depth + 1) || reads_a_column(get<A_Expr>(n).rexpr, depth + 1);
    case T_BoolExpr: return any(get<BoolExpr>(n).args);
    case T_FuncCall: return any(get<FuncCall>(n).args) || get<FuncCall>(n).agg_star;
    case T_TypeCast: return reads_a_column(get<TypeCast>(n).arg, depth + 1);
    case T_NullTest: return reads_a_column(reinterpret_cast<const Node*>(get<NullTest>(n).arg), depth + 1);
    case T_BooleanTest: return reads_a_column(reinterpret_cast<const Node*>(get<BooleanTest>(n).arg), depth + 1);
    case T_CoalesceExpr: return any(get<CoalesceExpr>(n).args);
    case T_MinMaxExpr: return any(get<MinMaxExpr>(n).args);
    case T_RowExpr: return any(get<RowExpr>(n).args);
    case T_A_ArrayExpr: return any(get<A_ArrayExpr>(n).elements);
    case T_CollateClause: return reads_a_column(get<CollateClause>(n).arg, depth + 1);
    case T_NamedArgExpr: return reads_a_column(reinterpret_cast<const Node*>(get<NamedArgExpr>(n).arg), depth + 1);
    case T_A_Indirection: return reads_a_column(get<A_Indirection>(n).arg, depth + 1);
    case T_CaseExpr: {
      const auto& c = get<CaseExpr>(n);
      return reads_a_column(reinterpret_cast<const Node*>(c.arg), depth + 1) || any(c.args) ||
             reads_a_column(reinterpret_cast<const Node*>(c.defresult), depth + 1);
    }
    case T_CaseWhen:
      return reads_a_column(reinterpret_cast<const Node*>(get<CaseWhen>(n).expr), depth + 1) ||
             reads_a_column(reinterpret_cast<const Node*>(get<CaseWhen>(n).result), depth + 1);
    case T_SubLink: {
      const auto& l = get<SubLink>(n);
      if (reads_a_column(l.testexpr, depth + 1)) return true;
      const auto* sub = as<SelectStmt>(l.subselect, T_SelectStmt);
      if (sub == nullptr) return true;
      // A correlated subquery reads the target's columns by name; one without column references
      // (EXISTS (SELECT 1 FROM t)) is the same for every row.
      return any(sub->targetList) || reads_a_column(sub->whereClause, depth + 1) || any(sub->fromClause) ||
             reads_a_column(sub->havingClause, depth + 1) || sub->larg != nullptr;
    }
    case T_ResTarget: return reads_a_column(get<ResTarget>(n).val, depth + 1);
    case T_RangeVar:
      return false;
    case T_JoinExpr:
      return reads_a_column(get<JoinExpr>(n).quals, depth + 1);
    default:
      return true;  // a node this check does not read: assume it filters
  }
}

bool filters(const Node* where) { return where != nullptr && !is_tautology(where) && reads_a_column(where); }

// A row change of a system catalog is `write_catalog`, whatever it would be on a table.
Action row_action(const RangeVar* relation, Action otherwise) {
  return relation != nullptr && is_system_catalog(name_of(relation)) ? Action::write_catalog : otherwise;
}

// The string constant a node spells ('x', 'x'::text), if it is one.
std::optional<std::string> string_constant(const Node* n) {
  if (const auto* cast = as<TypeCast>(n, T_TypeCast)) return string_constant(cast->arg);
  if (const auto* c = as<A_Const>(n, T_A_Const); c != nullptr && !c->isnull) {
    switch (const_tag(c)) {
      case T_String: return std::string(text(c->val.sval.sval));
      case T_Integer: return std::to_string(c->val.ival.ival);
      case T_Float: return std::string(text(c->val.fval.fval));
      case T_Boolean: return std::string(c->val.boolval.boolval ? "on" : "off");
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

bool is_column(const Node* n, std::string_view column) {
  const auto* ref = as<ColumnRef>(n, T_ColumnRef);
  if (ref == nullptr) return false;
  const NodeList fields = nodes(ref->fields);
  return !fields.empty() && string_of(fields[fields.size() - 1]) == column;
}

// The settings a WHERE names exactly (`name = 'x'`, `name IN ('x', 'y')`, either under AND);
// empty when it names none or is anything else.
std::vector<std::string> named_settings(const Node* where, int depth = 0) {
  std::vector<std::string> out;
  if (where == nullptr || depth > 16) return out;
  if (const auto* b = as<BoolExpr>(where, T_BoolExpr); b != nullptr && b->boolop == AND_EXPR) {
    for (const Node* arg : nodes(b->args)) {
      auto named = named_settings(arg, depth + 1);
      if (!named.empty()) return named;
    }
    return out;
  }
  const auto* e = as<A_Expr>(where, T_A_Expr);
  if (e == nullptr || !is_column(e->lexpr, "name")) return out;
  if (e->kind == AEXPR_OP && nodes(e->name).size() == 1 && string_of(nodes(e->name)[0]) == "=") {
    if (auto v = string_constant(e->rexpr)) out.push_back(lower(*v));
  } else if (e->kind == AEXPR_IN) {
    if (const auto* list = as<List>(e->rexpr, T_List)) {
      for (const Node* item : nodes(list)) {
        auto v = string_constant(item);
        if (!v) return {};
        out.push_back(lower(*v));
      }
    }
  }
  return out;
}

// UPDATE pg_settings SET setting = ... WHERE name = '...': PostgreSQL's rule on the view calls
// set_config(), so it is judged as the SET it performs. When the settings or the value cannot be
// read off the statement, it is a catalog write.
bool settings_update(Context& ctx, const UpdateStmt* s) {
  const ObjectName target = name_of(s->relation);
  if (target.name != "pg_settings" || (!target.schema.empty() && target.schema != "pg_catalog")) return false;
  const std::vector<std::string> settings = named_settings(s->whereClause);
  std::optional<std::vector<std::string>> value;
  bool sets_setting = false;
  for (const Node* n : nodes(s->targetList)) {
    const auto* t = as<ResTarget>(n, T_ResTarget);
    if (t == nullptr || text(t->name) != "setting") continue;
    sets_setting = true;
    if (auto v = string_constant(t->val)) value = std::vector<std::string>{*v};
  }
  if (settings.empty() || !sets_setting || s->fromClause != NIL || s->withClause != nullptr) return false;
  for (const auto& name : settings) {
    auto items = value;
    if (items && name == "search_path") items = split_identifier_list(items->front());
    setting_effect(ctx, name, std::move(items), SettingScope::session, "UPDATE pg_settings");
  }
  walk(ctx, s->targetList);
  walk(ctx, s->whereClause);
  return true;
}

void with_clause(Context& ctx, const WithClause* with) {
  if (with == nullptr) return;
  const ViaScope scope(ctx, Via::cte, "");
  for (const Node* n : nodes(with->ctes)) {
    if (const auto* cte = as<CommonTableExpr>(n, T_CommonTableExpr)) transform_statement(ctx, cte->ctequery);
  }
}

// An UPDATE's (or ON CONFLICT DO UPDATE's) SET list: the values assigned are data.
void walk_assignments(Context& ctx, const List* targets) {
  for (const Node* n : nodes(targets)) {
    if (const auto* t = as<ResTarget>(n, T_ResTarget)) {
      walk(ctx, t->indirection);
      walk_value(ctx, t->val);
    } else {
      walk(ctx, n);
    }
  }
}

std::vector<std::string> target_columns(const List* targets) {
  std::vector<std::string> columns;
  for (const Node* n : nodes(targets)) {
    const auto* t = as<ResTarget>(n, T_ResTarget);
    if (t == nullptr || t->name == nullptr) continue;
    std::string name = t->name;
    bool seen = false;
    for (const auto& c : columns) seen = seen || c == name;
    if (!seen) columns.push_back(std::move(name));
  }
  return columns;
}

// A SELECT body; UNION/INTERSECT/EXCEPT arms recurse here, bounded like every walk.
void select_body(Context& ctx, const SelectStmt* s, bool top) {
  if (s == nullptr || ctx.too_deep) return;
  if (++ctx.depth > k_max_tree_depth) {
    ctx.too_deep = true;
    --ctx.depth;
    return;
  }
  with_clause(ctx, s->withClause);
  if (top) {
    const bool locks = s->lockingClause != NIL;
    ctx.add(Action::read, ObjectKind::none, {}, locks ? "SELECT ... FOR UPDATE" : "SELECT");
  }
  if (s->intoClause != nullptr && s->intoClause->rel != nullptr) {
    const RangeVar* rel = s->intoClause->rel;
    auto& e = ctx.add(Action::ddl_create, ObjectKind::table, name_of(rel), "SELECT INTO");
    e.creates = true;
    e.temporary = rel->relpersistence == 't';  // RELPERSISTENCE_TEMP
  }
  walk(ctx, s->targetList);
  walk(ctx, s->fromClause);
  walk(ctx, s->whereClause);
  walk(ctx, s->groupClause);
  walk(ctx, s->havingClause);
  walk(ctx, s->windowClause);
  for (const Node* row : nodes(s->valuesLists)) {
    if (const auto* items = as<List>(row, T_List)) {
      for (const Node* item : nodes(items)) walk_value(ctx, item);
    } else {
      walk(ctx, row);
    }
  }
  walk(ctx, s->sortClause);
  walk(ctx, s->limitOffset);
  walk(ctx, s->limitCount);
  walk(ctx, s->distinctClause);
  select_body(ctx, s->larg, false);
  select_body(ctx, s->rarg, false);
  --ctx.depth;
}

void select(Context& ctx, const SelectStmt* s) {
  const NestScope nest(ctx);
  select_body(ctx, s, nest.top());
}

void insert(Context& ctx, const InsertStmt* s) {
  const NestScope nest(ctx);
  with_clause(ctx, s->withClause);
  auto& e = ctx.add(row_action(s->relation, Action::write), ObjectKind::table, name_of(s->relation), "INSERT");
  e.mutation = Mutation::insert;
  e.columns = target_columns(s->cols);
  walk(ctx, s->selectStmt);
  if (const auto* oc = s->onConflictClause; oc != nullptr && oc->action == ONCONFLICT_UPDATE) {
    auto& up = ctx.add(row_action(s->relation, Action::write), ObjectKind::table, name_of(s->relation),
                       "INSERT ... ON CONFLICT DO UPDATE");
    up.mutation = Mutation::update;
    up.has_where = true;  // only rows that conflict
    up.columns = target_columns(oc->targetList);
    up.syntax = syntax_of(ctx, reinterpret_cast<const Node*>(s), s->relation);
    walk_assignments(ctx, oc->targetList);
    walk(ctx, oc->whereClause);
  }
  walk(ctx, s->returningList);
}

void update(Context& ctx, const UpdateStmt* s) {
  const NestScope nest(ctx);
  with_clause(ctx, s->withClause);
  if (settings_update(ctx, s)) return;
  const bool where = filters(s->whereClause);
  auto& e = ctx.add(row_action(s->relation, where ? Action::write : Action::update_all), ObjectKind::table,
                    name_of(s->relation), "UPDATE");
  e.mutation = Mutation::update;
  e.has_where = where;
  e.only = !s->relation->inh;
  e.columns = target_columns(s->targetList);
  e.syntax = syntax_of(ctx, reinterpret_cast<const Node*>(s), s->relation);
  walk_assignments(ctx, s->targetList);
  walk(ctx, s->fromClause);
  walk(ctx, s->whereClause);
  walk(ctx, s->returningList);
}

void delete_rows(Context& ctx, const DeleteStmt* s) {
  const NestScope nest(ctx);
  with_clause(ctx, s->withClause);
  const bool where = filters(s->whereClause);
  auto& e = ctx.add(row_action(s->relation, where ? Action::delete_rows : Action::delete_all), ObjectKind::table,
                    name_of(s->relation), "DELETE");
  e.mutation = Mutation::delete_rows;
  e.has_where = where;
  e.only = !s->relation->inh;
  e.syntax = syntax_of(ctx, reinterpret_cast<const Node*>(s), s->relation);
  walk(ctx, s->usingClause);
  walk(ctx, s->whereClause);
  walk(ctx, s->returningList);
}

void merge(Context& ctx, const MergeStmt* s) {
  const NestScope nest(ctx);
  with_clause(ctx, s->withClause);
  const ObjectName target = name_of(s->relation);
  const auto act = [&](Action a) { return row_action(s->relation, a); };
  walk(ctx, s->sourceRelation);
  walk(ctx, s->joinCondition);
  bool any = false;
  for (const Node* n : nodes(s->mergeWhenClauses)) {
    const auto* w = as<MergeWhenClause>(n, T_MergeWhenClause);
    if (w == nullptr) continue;
    switch (w->commandType) {
      case CMD_UPDATE: {
        auto& e = ctx.add(act(Action::write), ObjectKind::table, target, "MERGE ... THEN UPDATE");
        e.mutation = Mutation::update;
        e.has_where = true;  // matched rows only
        e.columns = target_columns(w->targetList);
        any = true;
        break;
      }
      case CMD_DELETE: {
        auto& e = ctx.add(act(Action::delete_rows), ObjectKind::table, target, "MERGE ... THEN DELETE");
        e.mutation = Mutation::delete_rows;
        e.has_where = true;
        any = true;
        break;
      }
      case CMD_INSERT: {
        auto& e = ctx.add(act(Action::write), ObjectKind::table, target, "MERGE ... THEN INSERT");
        e.mutation = Mutation::insert;
        e.columns = target_columns(w->targetList);
        any = true;
        break;
      }
      default:
        break;
    }
    walk(ctx, w->condition);
    walk(ctx, w->targetList);
    walk(ctx, w->values);
  }
  if (!any) ctx.add(Action::read, ObjectKind::table, target, "MERGE ... DO NOTHING");
}

void copy(Context& ctx, const CopyStmt* s) {
  const NestScope nest(ctx);
  if (s->is_program) {
    // The server runs a shell command as its own OS user: it can write any file the server can.
    ctx.add(Action::write_server_file, ObjectKind::other, ObjectName{"", std::string(text(s->filename))},
            s->is_from ? "COPY ... FROM PROGRAM" : "COPY ... TO PROGRAM");
  } else if (!s->is_from && s->filename != nullptr) {
    // A server file, overwritten: a table's heap file, postgresql.auto.conf, ...
    ctx.add(Action::write_server_file, ObjectKind::other, ObjectName{"", std::string(text(s->filename))},
            "COPY ... TO a file");
  }
  if (s->query != nullptr) {
    ctx.add(Action::read, ObjectKind::none, {}, "COPY (query) TO");
    const ViaScope scope(ctx, Via::copy_query, "");
    transform_statement(ctx, s->query);
    return;
  }
  if (s->is_from) {
    auto& e = ctx.add(row_action(s->relation, Action::write), ObjectKind::table, name_of(s->relation), "COPY ... FROM");
    e.mutation = Mutation::insert;
    walk(ctx, s->whereClause);
  } else {
    ctx.add(Action::read, ObjectKind::table, name_of(s->relation), "COPY ... TO");
  }
}

bool explain_analyzes(const ExplainStmt* s) {
  for (const Node* o : nodes(s->options)) {
    const auto* d = as<DefElem>(o, T_DefElem);
    if (d == nullptr || text(d->defname) != "analyze") continue;
    if (d->arg == nullptr) return true;
    if (auto b = boolean_constant(d->arg)) return *b;
    const std::string_view v = string_of(d->arg);
    if (!v.empty()) return !(v == "false" || v == "off" || v == "0" || v == "no");
    if (const auto* i = as<Integer>(d->arg, T_Integer)) return i->ival != 0;
    if (const auto* b = as<Boolean>(d->arg, T_Boolean)) return b->boolval;
    return true;  // unreadable option value: assume it runs
  }
  return false;
}

void explain(Context& ctx, const ExplainStmt* s) {
  const NestScope nest(ctx);
  if (explain_analyzes(s)) {
    const ViaScope scope(ctx, Via::explain_analyze, "");
    transform_statement(ctx, s->query);
  }
  ctx.add(Action::read, ObjectKind::none, {}, "EXPLAIN");
}

}  // namespace

bool transform_dml(Context& ctx, const Node* node) {
  switch (nodeTag(node)) {
    case T_SelectStmt: select(ctx, &get<SelectStmt>(node)); return true;
    case T_InsertStmt: insert(ctx, &get<InsertStmt>(node)); return true;
    case T_UpdateStmt: update(ctx, &get<UpdateStmt>(node)); return true;
    case T_DeleteStmt: delete_rows(ctx, &get<DeleteStmt>(node)); return true;
    case T_MergeStmt: merge(ctx, &get<MergeStmt>(node)); return true;
    case T_CopyStmt: copy(ctx, &get<CopyStmt>(node)); return true;
    case T_ExplainStmt: explain(ctx, &get<ExplainStmt>(node)); return true;
    case T_PrepareStmt: {
      const auto& s = get<PrepareStmt>(node);
      const NestScope nest(ctx);
      auto& e = ctx.add(Action::session, ObjectKind::none, {}, "PREPARE");
      e.fact = UnitFact::prepare;
      e.values.emplace_back(text(s.name));
      const ViaScope scope(ctx, Via::prepare, std::string(text(s.name)));
      transform_statement(ctx, s.query);
      return true;
    }
    case T_DeclareCursorStmt: {
      const NestScope nest(ctx);
      ctx.add(Action::read, ObjectKind::none, {}, "DECLARE CURSOR");
      transform_statement(ctx, get<DeclareCursorStmt>(node).query);
      return true;
    }
    case T_CallStmt: {
      const FuncCall* call = get<CallStmt>(node).funccall;
      const NestScope nest(ctx);
      const std::string name = call != nullptr ? function_name(call->funcname) : "";
      // A procedure runs whatever its body says; the body was judged when it was created, and
      // doors that can see the catalog (the proxy) judge it again at call time.
      ctx.add(Action::write, ObjectKind::procedure, ObjectName{"", name}, "CALL");
      if (call != nullptr) {
        function_call(ctx, call);
        walk(ctx, call->args);
      }
      return true;
    }
    case T_ReturnStmt: {
      const NestScope nest(ctx);
      if (nest.top()) ctx.add(Action::read, ObjectKind::none, {}, "RETURN");
      walk(ctx, get<ReturnStmt>(node).returnval);
      return true;
    }
    case T_PLAssignStmt: {
      const NestScope nest(ctx);
      if (nest.top()) ctx.add(Action::read, ObjectKind::none, {}, "assignment");
      select_body(ctx, get<PLAssignStmt>(node).val, false);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace pgwarden::sql::pg
