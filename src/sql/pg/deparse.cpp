// Rewrites for hints (sql/rewrite.hpp): new statement nodes that borrow the original subtrees
// (relation, WHERE, USING/FROM, RETURNING), packed to protobuf and printed by libpg_query's
// deparser. The borrowed subtrees stay owned by the original tree; the new nodes live on the
// stack only while they are packed.
#include <vector>

#include "sql/pg/parse_tree.hpp"
#include "sql/rewrite.hpp"

namespace pgwarden::sql {
namespace {

template <class T>
T* mut(const T* p) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): protobuf-c takes non-const pointers
  // for packing, which only reads.
  return const_cast<T*>(p);
}

Expected<std::string> deparse_node(PgQuery__Node* stmt) {
  PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
  raw.stmt = stmt;
  PgQuery__RawStmt* raws[] = {&raw};
  PgQuery__ParseResult result = PG_QUERY__PARSE_RESULT__INIT;
  result.version = PG_VERSION_NUM;
  result.n_stmts = 1;
  result.stmts = raws;
  std::vector<uint8_t> buffer(pg_query__parse_result__get_packed_size(&result));
  pg_query__parse_result__pack(&result, buffer.data());
  PgQueryProtobuf pb{buffer.size(), reinterpret_cast<char*>(buffer.data())};
  PgQueryDeparseResult d = pg_query_deparse_protobuf(pb);
  if (d.error != nullptr) {
    std::string message = d.error->message != nullptr ? d.error->message : "deparse failed";
    pg_query_free_deparse_result(d);
    return make_error("cannot print the rewritten statement: " + message);
  }
  std::string out = d.query != nullptr ? d.query : "";
  pg_query_free_deparse_result(d);
  return out;
}

// The single expression of `SELECT <expr>`, parsed; the tree keeps it alive.
Expected<std::pair<pg::ParseTree, PgQuery__Node*>> parse_expression(std::string_view expr) {
  pg::Parsed p = pg::parse("SELECT " + std::string(expr));
  if (!p.tree || p.tree->n_stmts != 1 || p.tree->stmts[0]->stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
    return make_error("'" + std::string(expr) + "' is not an SQL expression");
  }
  const auto* s = p.tree->stmts[0]->stmt->select_stmt;
  if (s->n_target_list != 1 || s->n_from_clause != 0 ||
      s->target_list[0]->node_case != PG_QUERY__NODE__NODE_RES_TARGET) {
    return make_error("'" + std::string(expr) + "' is not a single SQL expression");
  }
  return std::make_pair(p.tree, s->target_list[0]->res_target->val);
}

const PgQuery__Node* syntax_node(const Effect& e) {
  return e.syntax ? e.syntax->node() : nullptr;
}

}  // namespace

namespace {

Expected<std::string> soft_delete_update_now(const Effect& del, std::string_view column,
                                             std::string_view value_sql) {
  const PgQuery__Node* node = syntax_node(del);
  if (node == nullptr || node->node_case != PG_QUERY__NODE__NODE_DELETE_STMT) {
    return make_error("no DELETE statement to rewrite");
  }
  const auto* d = node->delete_stmt;
  auto value = parse_expression(value_sql);
  if (!value) return tl::unexpected(value.error());

  std::string column_name(column);
  PgQuery__ResTarget target = PG_QUERY__RES_TARGET__INIT;
  target.name = column_name.data();
  target.val = value->second;
  PgQuery__Node target_node = PG_QUERY__NODE__INIT;
  target_node.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
  target_node.res_target = &target;
  PgQuery__Node* targets[] = {&target_node};

  PgQuery__UpdateStmt update = PG_QUERY__UPDATE_STMT__INIT;
  update.relation = mut(d->relation);
  update.n_target_list = 1;
  update.target_list = targets;
  update.where_clause = mut(d->where_clause);
  update.n_from_clause = d->n_using_clause;
  update.from_clause = mut(d->using_clause);
  update.n_returning_list = d->n_returning_list;
  update.returning_list = mut(d->returning_list);
  update.with_clause = mut(d->with_clause);
  PgQuery__Node stmt = PG_QUERY__NODE__INIT;
  stmt.node_case = PG_QUERY__NODE__NODE_UPDATE_STMT;
  stmt.update_stmt = &update;
  return deparse_node(&stmt);
}

}  // namespace

Expected<std::string> soft_delete_update(const Effect& del, std::string_view column,
                                         std::string_view value_sql) {
  if (!del.syntax) return make_error("no DELETE statement to rewrite");
  std::string key = "soft_delete\n" + std::string(column) + "\n" + std::string(value_sql);
  return del.syntax->rewrite(key, [&] { return soft_delete_update_now(del, column, value_sql); });
}

namespace {

Expected<std::string> reversal_insert_now(const Effect& effect) {
  const PgQuery__Node* node = syntax_node(effect);
  if (node == nullptr) return make_error("no statement to rewrite");
  const PgQuery__RangeVar* relation = nullptr;
  PgQuery__Node* where = nullptr;
  std::size_t n_from = 0;
  PgQuery__Node** from = nullptr;
  if (node->node_case == PG_QUERY__NODE__NODE_DELETE_STMT) {
    relation = node->delete_stmt->relation;
    where = node->delete_stmt->where_clause;
    n_from = node->delete_stmt->n_using_clause;
    from = node->delete_stmt->using_clause;
  } else if (node->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT) {
    relation = node->update_stmt->relation;
    where = node->update_stmt->where_clause;
    n_from = node->update_stmt->n_from_clause;
    from = node->update_stmt->from_clause;
  } else {
    return make_error("only DELETE and UPDATE have rows to reverse");
  }
  // SELECT <relation alias or name>.* FROM relation, <using...> WHERE <where>
  PgQuery__AStar star = PG_QUERY__A__STAR__INIT;
  PgQuery__Node star_node = PG_QUERY__NODE__INIT;
  star_node.node_case = PG_QUERY__NODE__NODE_A_STAR;
  star_node.a_star = &star;
  std::string qualifier = relation->alias != nullptr && relation->alias->aliasname != nullptr
                              ? relation->alias->aliasname
                              : (relation->relname != nullptr ? relation->relname : "");
  PgQuery__String qual = PG_QUERY__STRING__INIT;
  qual.sval = qualifier.data();
  PgQuery__Node qual_node = PG_QUERY__NODE__INIT;
  qual_node.node_case = PG_QUERY__NODE__NODE_STRING;
  qual_node.string = &qual;
  PgQuery__Node* fields[] = {&qual_node, &star_node};
  PgQuery__ColumnRef colref = PG_QUERY__COLUMN_REF__INIT;
  colref.n_fields = n_from > 0 ? 2 : 1;
  colref.fields = n_from > 0 ? fields : fields + 1;
  PgQuery__Node colref_node = PG_QUERY__NODE__INIT;
  colref_node.node_case = PG_QUERY__NODE__NODE_COLUMN_REF;
  colref_node.column_ref = &colref;
  PgQuery__ResTarget target = PG_QUERY__RES_TARGET__INIT;
  target.val = &colref_node;
  PgQuery__Node target_node = PG_QUERY__NODE__INIT;
  target_node.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
  target_node.res_target = &target;
  PgQuery__Node* targets[] = {&target_node};

  PgQuery__Node rel_node = PG_QUERY__NODE__INIT;
  rel_node.node_case = PG_QUERY__NODE__NODE_RANGE_VAR;
  rel_node.range_var = mut(relation);
  std::vector<PgQuery__Node*> from_items{&rel_node};
  for (std::size_t i = 0; i < n_from; ++i) from_items.push_back(from[i]);

  PgQuery__SelectStmt select = PG_QUERY__SELECT_STMT__INIT;
  select.n_target_list = 1;
  select.target_list = targets;
  select.n_from_clause = from_items.size();
  select.from_clause = from_items.data();
  select.where_clause = where;
  PgQuery__Node select_node = PG_QUERY__NODE__INIT;
  select_node.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
  select_node.select_stmt = &select;

  // The INSERT target is the bare relation, without the DELETE's alias.
  PgQuery__RangeVar insert_rel = *relation;
  insert_rel.alias = nullptr;
  PgQuery__InsertStmt insert = PG_QUERY__INSERT_STMT__INIT;
  insert.relation = &insert_rel;
  insert.select_stmt = &select_node;
  PgQuery__Node stmt = PG_QUERY__NODE__INIT;
  stmt.node_case = PG_QUERY__NODE__NODE_INSERT_STMT;
  stmt.insert_stmt = &insert;
  return deparse_node(&stmt);
}

}  // namespace

Expected<std::string> reversal_insert(const Effect& effect) {
  if (!effect.syntax) return make_error("no statement to rewrite");
  return effect.syntax->rewrite("reversal", [&] { return reversal_insert_now(effect); });
}

namespace {

Expected<std::string> where_clause_sql_now(const Effect& effect) {
  const PgQuery__Node* node = syntax_node(effect);
  if (node == nullptr) return make_error("no statement");
  PgQuery__Node* where = nullptr;
  if (node->node_case == PG_QUERY__NODE__NODE_DELETE_STMT) where = node->delete_stmt->where_clause;
  if (node->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT) where = node->update_stmt->where_clause;
  if (where == nullptr) return std::string();
  // Print `SELECT WHERE <cond>` and keep what follows WHERE.
  PgQuery__SelectStmt select = PG_QUERY__SELECT_STMT__INIT;
  select.where_clause = where;
  PgQuery__Node stmt = PG_QUERY__NODE__INIT;
  stmt.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
  stmt.select_stmt = &select;
  auto text = deparse_node(&stmt);
  if (!text) return text;
  const auto at = text->find("WHERE ");
  return at == std::string::npos ? std::string() : text->substr(at + 6);
}

}  // namespace

Expected<std::string> where_clause_sql(const Effect& effect) {
  if (!effect.syntax) return make_error("no statement");
  return effect.syntax->rewrite("where", [&] { return where_clause_sql_now(effect); });
}

}  // namespace pgwarden::sql
