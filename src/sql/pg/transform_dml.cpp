// Row-level statements: SELECT, INSERT (ON CONFLICT DO UPDATE), UPDATE, DELETE, MERGE, COPY,
// and the statements that carry one inside: EXPLAIN [ANALYZE], PREPARE, DECLARE CURSOR, CALL.
//
// A data-modifying CTE runs whether or not the main query references it
// (https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING), so every CTE
// body is transformed. EXPLAIN runs its statement only with ANALYZE
// (https://www.postgresql.org/docs/15/sql-explain.html). A WHERE that is constant true
// (`WHERE true`, `WHERE 1 = 1`, `WHERE id = id`, `OR true`) filters nothing and counts as none.
#include <cstring>

#include "sql/pg/names.hpp"
#include "sql/pg/transform.hpp"

namespace pgwarden::sql::pg {
namespace {

bool same_constant(const PgQuery__AConst* a, const PgQuery__AConst* b) {
  if (a->isnull || b->isnull || a->val_case != b->val_case) return false;
  switch (a->val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL: return a->ival->ival == b->ival->ival;
    case PG_QUERY__A__CONST__VAL_FVAL: return std::strcmp(a->fval->fval, b->fval->fval) == 0;
    case PG_QUERY__A__CONST__VAL_BOOLVAL: return a->boolval->boolval == b->boolval->boolval;
    case PG_QUERY__A__CONST__VAL_SVAL: return std::strcmp(a->sval->sval, b->sval->sval) == 0;
    default: return false;
  }
}

bool same_column(const PgQuery__ColumnRef* a, const PgQuery__ColumnRef* b) {
  if (a->n_fields != b->n_fields) return false;
  for (std::size_t i = 0; i < a->n_fields; ++i) {
    if (string_of(a->fields[i]) != string_of(b->fields[i]) || string_of(a->fields[i]).empty()) {
      return false;
    }
  }
  return true;
}

// The boolean constant a node spells, if it is one: true, 't'::boolean, false, ...
std::optional<bool> boolean_constant(const PgQuery__Node* n, int depth = 0) {
  if (n == nullptr || depth > 8) return std::nullopt;
  if (n->node_case == PG_QUERY__NODE__NODE_A_CONST) {
    const auto* c = n->a_const;
    if (c->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) return c->boolval->boolval != 0;
    return std::nullopt;
  }
  if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && n->type_cast->arg != nullptr &&
      n->type_cast->arg->node_case == PG_QUERY__NODE__NODE_A_CONST) {
    const auto* c = n->type_cast->arg->a_const;
    if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
      const std::string_view v = c->sval->sval;
      if (v == "t" || v == "true" || v == "on" || v == "yes" || v == "y" || v == "1") return true;
      if (v == "f" || v == "false" || v == "off" || v == "no" || v == "n" || v == "0") return false;
    }
    if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL) return c->ival->ival != 0;
    return boolean_constant(n->type_cast->arg, depth + 1);
  }
  return std::nullopt;
}

bool is_contradiction(const PgQuery__Node* n, int depth);

// A predicate that holds for every row (as far as a static reading can tell).
bool is_tautology(const PgQuery__Node* n, int depth = 0) {
  if (n == nullptr || depth > 16) return false;
  if (auto b = boolean_constant(n)) return *b;
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
      const auto* e = n->bool_expr;
      if (e->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR) {
        for (std::size_t i = 0; i < e->n_args; ++i) {
          if (is_tautology(e->args[i], depth + 1)) return true;
        }
        return false;
      }
      if (e->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
        for (std::size_t i = 0; i < e->n_args; ++i) {
          if (!is_tautology(e->args[i], depth + 1)) return false;
        }
        return e->n_args > 0;
      }
      if (e->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR && e->n_args == 1) {
        return is_contradiction(e->args[0], depth + 1);
      }
      return false;
    }
    case PG_QUERY__NODE__NODE_A_EXPR: {
      const auto* e = n->a_expr;
      if (e->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP || e->n_name != 1 || !e->lexpr || !e->rexpr) {
        return false;
      }
      const std::string_view op = string_of(e->name[0]);
      const auto* l = e->lexpr;
      const auto* r = e->rexpr;
      const bool consts = l->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                          r->node_case == PG_QUERY__NODE__NODE_A_CONST;
      if (op == "=" || op == ">=" || op == "<=") {
        if (consts) return same_constant(l->a_const, r->a_const);
        return l->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
               r->node_case == PG_QUERY__NODE__NODE_COLUMN_REF &&
               same_column(l->column_ref, r->column_ref);
      }
      if (op == "<>" || op == "!=") {
        return consts && !l->a_const->isnull && !r->a_const->isnull &&
               l->a_const->val_case == r->a_const->val_case && !same_constant(l->a_const, r->a_const);
      }
      return false;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
      const auto* t = n->null_test;
      if (t->arg == nullptr || t->arg->node_case != PG_QUERY__NODE__NODE_A_CONST) return false;
      const bool is_null = t->arg->a_const->isnull != 0;
      return t->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? is_null : !is_null;
    }
    default:
      return false;
  }
}

bool is_contradiction(const PgQuery__Node* n, int depth) {
  if (auto b = boolean_constant(n)) return !*b;
  if (n != nullptr && n->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR &&
      n->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR && n->bool_expr->n_args == 1) {
    return is_tautology(n->bool_expr->args[0], depth + 1);
  }
  return false;
}

bool filters(const PgQuery__Node* where) { return where != nullptr && !is_tautology(where); }

void with_clause(Context& ctx, const PgQuery__WithClause* with) {
  if (with == nullptr) return;
  const ViaScope scope(ctx, Via::cte, "");
  for (std::size_t i = 0; i < with->n_ctes; ++i) {
    const auto* node = with->ctes[i];
    if (node == nullptr || node->node_case != PG_QUERY__NODE__NODE_COMMON_TABLE_EXPR) continue;
    const auto* cte = node->common_table_expr;
    transform_statement(ctx, cte->ctequery);
  }
}

std::vector<std::string> target_columns(PgQuery__Node* const* targets, std::size_t n) {
  std::vector<std::string> columns;
  for (std::size_t i = 0; i < n; ++i) {
    if (targets[i]->node_case == PG_QUERY__NODE__NODE_RES_TARGET && targets[i]->res_target->name) {
      std::string name = targets[i]->res_target->name;
      bool seen = false;
      for (const auto& c : columns) seen = seen || c == name;
      if (!seen) columns.push_back(std::move(name));
    }
  }
  return columns;
}

// A SELECT body; UNION/INTERSECT/EXCEPT arms recurse here, bounded like every walk.
void select_body(Context& ctx, const PgQuery__SelectStmt* s, bool top) {
  if (s == nullptr || ctx.too_deep) return;
  if (++ctx.depth > k_max_tree_depth) {
    ctx.too_deep = true;
    --ctx.depth;
    return;
  }
  with_clause(ctx, s->with_clause);
  if (top) {
    const bool locks = s->n_locking_clause > 0;
    ctx.add(Action::read, ObjectKind::none, {}, locks ? "SELECT ... FOR UPDATE" : "SELECT");
  }
  if (s->into_clause != nullptr && s->into_clause->rel != nullptr) {
    auto& e = ctx.add(Action::ddl_create, ObjectKind::table, name_of(s->into_clause->rel), "SELECT INTO");
    e.creates = true;
    e.temporary = s->into_clause->rel->relpersistence && s->into_clause->rel->relpersistence[0] == 't';
  }
  walk_all(ctx, s->target_list, s->n_target_list);
  walk_all(ctx, s->from_clause, s->n_from_clause);
  walk(ctx, s->where_clause);
  walk_all(ctx, s->group_clause, s->n_group_clause);
  walk(ctx, s->having_clause);
  walk_all(ctx, s->window_clause, s->n_window_clause);
  walk_all(ctx, s->values_lists, s->n_values_lists);
  walk_all(ctx, s->sort_clause, s->n_sort_clause);
  walk(ctx, s->limit_offset);
  walk(ctx, s->limit_count);
  walk_all(ctx, s->distinct_clause, s->n_distinct_clause);
  select_body(ctx, s->larg, false);
  select_body(ctx, s->rarg, false);
  --ctx.depth;
}

void select(Context& ctx, const PgQuery__Node* node) {
  const NestScope nest(ctx);
  select_body(ctx, node->select_stmt, nest.top());
}

void insert(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->insert_stmt;
  const NestScope nest(ctx);
  with_clause(ctx, s->with_clause);
  auto& e = ctx.add(Action::write, ObjectKind::table, name_of(s->relation), "INSERT");
  e.mutation = Mutation::insert;
  e.columns = target_columns(s->cols, s->n_cols);
  walk(ctx, s->select_stmt);
  if (const auto* oc = s->on_conflict_clause;
      oc != nullptr && oc->action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE) {
    auto& up = ctx.add(Action::write, ObjectKind::table, name_of(s->relation),
                       "INSERT ... ON CONFLICT DO UPDATE");
    up.mutation = Mutation::update;
    up.has_where = true;  // only rows that conflict
    up.columns = target_columns(oc->target_list, oc->n_target_list);
    up.syntax = syntax_of(ctx, node);
    walk_all(ctx, oc->target_list, oc->n_target_list);
    walk(ctx, oc->where_clause);
  }
  walk_all(ctx, s->returning_list, s->n_returning_list);
}

void update(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->update_stmt;
  const NestScope nest(ctx);
  with_clause(ctx, s->with_clause);
  const bool where = filters(s->where_clause);
  auto& e = ctx.add(where ? Action::write : Action::update_all, ObjectKind::table,
                    name_of(s->relation), "UPDATE");
  e.mutation = Mutation::update;
  e.has_where = where;
  e.columns = target_columns(s->target_list, s->n_target_list);
  e.syntax = syntax_of(ctx, node);
  walk_all(ctx, s->target_list, s->n_target_list);
  walk_all(ctx, s->from_clause, s->n_from_clause);
  walk(ctx, s->where_clause);
  walk_all(ctx, s->returning_list, s->n_returning_list);
}

void delete_rows(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->delete_stmt;
  const NestScope nest(ctx);
  with_clause(ctx, s->with_clause);
  const bool where = filters(s->where_clause);
  auto& e = ctx.add(where ? Action::delete_rows : Action::delete_all, ObjectKind::table,
                    name_of(s->relation), "DELETE");
  e.mutation = Mutation::delete_rows;
  e.has_where = where;
  e.syntax = syntax_of(ctx, node);
  walk_all(ctx, s->using_clause, s->n_using_clause);
  walk(ctx, s->where_clause);
  walk_all(ctx, s->returning_list, s->n_returning_list);
}

void merge(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->merge_stmt;
  const NestScope nest(ctx);
  with_clause(ctx, s->with_clause);
  const ObjectName target = name_of(s->relation);
  walk(ctx, s->source_relation);
  walk(ctx, s->join_condition);
  bool any = false;
  for (std::size_t i = 0; i < s->n_merge_when_clauses; ++i) {
    const auto* wn = s->merge_when_clauses[i];
    if (wn->node_case != PG_QUERY__NODE__NODE_MERGE_WHEN_CLAUSE) continue;
    const auto* w = wn->merge_when_clause;
    switch (w->command_type) {
      case PG_QUERY__CMD_TYPE__CMD_UPDATE: {
        auto& e = ctx.add(Action::write, ObjectKind::table, target, "MERGE ... THEN UPDATE");
        e.mutation = Mutation::update;
        e.has_where = true;  // matched rows only
        e.columns = target_columns(w->target_list, w->n_target_list);
        any = true;
        break;
      }
      case PG_QUERY__CMD_TYPE__CMD_DELETE: {
        auto& e = ctx.add(Action::delete_rows, ObjectKind::table, target, "MERGE ... THEN DELETE");
        e.mutation = Mutation::delete_rows;
        e.has_where = true;
        any = true;
        break;
      }
      case PG_QUERY__CMD_TYPE__CMD_INSERT: {
        auto& e = ctx.add(Action::write, ObjectKind::table, target, "MERGE ... THEN INSERT");
        e.mutation = Mutation::insert;
        e.columns = target_columns(w->target_list, w->n_target_list);
        any = true;
        break;
      }
      default:
        break;
    }
    walk(ctx, w->condition);
    walk_all(ctx, w->target_list, w->n_target_list);
    walk_all(ctx, w->values, w->n_values);
  }
  if (!any) ctx.add(Action::read, ObjectKind::table, target, "MERGE ... DO NOTHING");
}

void copy(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->copy_stmt;
  const NestScope nest(ctx);
  if (s->is_program) {
    // The server runs a shell command as its own OS user: data elsewhere is at stake.
    auto& e = ctx.add(Action::destructive_function, ObjectKind::other,
                      ObjectName{"", s->filename != nullptr ? s->filename : ""},
                      s->is_from ? "COPY ... FROM PROGRAM" : "COPY ... TO PROGRAM");
    (void)e;
  }
  if (s->query != nullptr) {
    ctx.add(Action::read, ObjectKind::none, {}, "COPY (query) TO");
    const ViaScope scope(ctx, Via::copy_query, "");
    transform_statement(ctx, s->query);
    return;
  }
  if (s->is_from) {
    auto& e = ctx.add(Action::write, ObjectKind::table, name_of(s->relation), "COPY ... FROM");
    e.mutation = Mutation::insert;
    e.columns = {};
    walk(ctx, s->where_clause);
  } else {
    ctx.add(Action::read, ObjectKind::table, name_of(s->relation), "COPY ... TO");
  }
}

bool explain_analyzes(const PgQuery__ExplainStmt* s) {
  for (std::size_t i = 0; i < s->n_options; ++i) {
    const auto* o = s->options[i];
    if (o->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
    const auto* d = o->def_elem;
    if (d->defname == nullptr || std::strcmp(d->defname, "analyze") != 0) continue;
    if (d->arg == nullptr) return true;
    if (auto b = boolean_constant(d->arg)) return *b;
    const std::string_view v = string_of(d->arg);
    if (!v.empty()) return !(v == "false" || v == "off" || v == "0" || v == "no");
    if (d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER) return d->arg->integer->ival != 0;
    return true;  // unreadable option value: assume it runs
  }
  return false;
}

void explain(Context& ctx, const PgQuery__Node* node) {
  const auto* s = node->explain_stmt;
  const NestScope nest(ctx);
  if (explain_analyzes(s)) {
    const ViaScope scope(ctx, Via::explain_analyze, "");
    transform_statement(ctx, s->query);
  }
  ctx.add(Action::read, ObjectKind::none, {}, "EXPLAIN");
}

}  // namespace

bool transform_dml(Context& ctx, const PgQuery__Node* node) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT: select(ctx, node); return true;
    case PG_QUERY__NODE__NODE_INSERT_STMT: insert(ctx, node); return true;
    case PG_QUERY__NODE__NODE_UPDATE_STMT: update(ctx, node); return true;
    case PG_QUERY__NODE__NODE_DELETE_STMT: delete_rows(ctx, node); return true;
    case PG_QUERY__NODE__NODE_MERGE_STMT: merge(ctx, node); return true;
    case PG_QUERY__NODE__NODE_COPY_STMT: copy(ctx, node); return true;
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT: explain(ctx, node); return true;
    case PG_QUERY__NODE__NODE_PREPARE_STMT: {
      const auto* s = node->prepare_stmt;
      const NestScope nest(ctx);
      ctx.add(Action::session, ObjectKind::none, {}, "PREPARE");
      const ViaScope scope(ctx, Via::prepare, s->name != nullptr ? s->name : "");
      transform_statement(ctx, s->query);
      return true;
    }
    case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT: {
      const NestScope nest(ctx);
      ctx.add(Action::read, ObjectKind::none, {}, "DECLARE CURSOR");
      transform_statement(ctx, node->declare_cursor_stmt->query);
      return true;
    }
    case PG_QUERY__NODE__NODE_CALL_STMT: {
      const auto* call = node->call_stmt->funccall;
      const NestScope nest(ctx);
      const std::string name = call != nullptr ? function_name(call->funcname, call->n_funcname) : "";
      // A procedure runs whatever its body says; the body was judged when it was created, and
      // doors that can see the catalog (the proxy) judge it again at call time.
      ctx.add(Action::write, ObjectKind::procedure, ObjectName{"", name}, "CALL");
      if (call != nullptr) {
        function_call(ctx, call);
        walk_all(ctx, call->args, call->n_args);
      }
      return true;
    }
    case PG_QUERY__NODE__NODE_RETURN_STMT: {
      const NestScope nest(ctx);
      if (nest.top()) ctx.add(Action::read, ObjectKind::none, {}, "RETURN");
      walk(ctx, node->return_stmt->returnval);
      return true;
    }
    case PG_QUERY__NODE__NODE_PLASSIGN_STMT: {
      const NestScope nest(ctx);
      if (nest.top()) ctx.add(Action::read, ObjectKind::none, {}, "assignment");
      select_body(ctx, node->plassign_stmt->val, false);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace pgwarden::sql::pg
