// Rewrites for hints (sql/rewrite.hpp). The statement's text is parsed again and the statement
// found by the traversal that made its syntax handle (sql/pg/syntax.hpp says why); new
// statement nodes that borrow its subtrees (relation, WHERE, USING/FROM, RETURNING, WITH) are
// printed by libpg_query's deparser, which reads libpg_query's protobuf form.
//
// The new nodes are allocated with PostgreSQL's own functions (palloc0, lappend, makeString;
// sql/pg/nodes.hpp says why no macro that allocates may be used) in a memory context of their
// own, made after the parses whose subtrees they borrow and deleted before them.
#include <cstdlib>
#include <string>
#include <vector>

#include "sql/rewrite.hpp"
#include "sql/pg/schema_changes.hpp"

#include "sql/pg/transform.hpp"

extern "C" {
// libpg_query's conversion of raw statements (a List of RawStmt) to its protobuf form; exported
// by the library, declared in a header it does not install (pg_query_outfuncs.h).
PgQueryProtobuf pg_query_nodes_to_protobuf(const void* obj);
}

namespace pgwarden::sql {
namespace {

using pg::as;
using pg::nodes;
using pg::RawParse;

template <class T>
T* mut(const T* p) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the deparser only reads the nodes.
  return const_cast<T*>(p);
}

// New nodes for one rewrite, in their own memory context.
class Builder {
 public:
  Builder() : m_context(pg_query_enter_memory_context()) {}
  ~Builder() { pg_query_exit_memory_context(m_context); }
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  template <class T>
  T* make(NodeTag tag) {
    auto* node = static_cast<T*>(palloc0(sizeof(T)));
    reinterpret_cast<Node*>(node)->type = tag;
    return node;
  }

  static List* list(std::initializer_list<const void*> items, const List* tail = NIL) {
    List* out = NIL;
    for (const void* item : items) out = lappend(out, const_cast<void*>(item));  // NOLINT: read only
    for (const Node* item : nodes(tail)) out = lappend(out, mut(item));
    return out;
  }

  ResTarget* target(const char* name, const Node* value) {
    auto* t = make<ResTarget>(T_ResTarget);
    t->name = name != nullptr ? pstrdup(name) : nullptr;
    t->val = mut(value);
    t->location = -1;
    return t;
  }

  // The statement printed by PostgreSQL's deparser, without a trailing semicolon.
  Expected<std::string> deparse(const Node* statement) {
    auto* raw = make<RawStmt>(T_RawStmt);
    raw->stmt = mut(statement);
    PgQueryProtobuf tree = pg_query_nodes_to_protobuf(list({raw}));
    PgQueryDeparseResult d = pg_query_deparse_protobuf(tree);
    std::free(tree.data);  // NOLINT(cppcoreguidelines-no-malloc): libpg_query mallocs it
    if (d.error != nullptr) {
      std::string message = d.error->message != nullptr ? d.error->message : "deparse failed";
      pg_query_free_deparse_result(d);
      return make_error("cannot print the rewritten statement: " + message);
    }
    std::string out = d.query != nullptr ? d.query : "";
    pg_query_free_deparse_result(d);
    return out;
  }

 private:
  MemoryContext m_context;
};

// The single expression of `SELECT <expr>`, in `parsed`.
Expected<const Node*> expression(const RawParse& parsed, std::string_view expr) {
  const pg::NodeList statements = parsed.statements();
  const auto* s = statements.size() == 1 ? as<SelectStmt>(pg::get<RawStmt>(statements[0]).stmt, T_SelectStmt)
                                         : nullptr;
  if (s == nullptr) return make_error("'" + std::string(expr) + "' is not an SQL expression");
  const auto* target = nodes(s->targetList).size() == 1 && s->fromClause == NIL
                           ? as<ResTarget>(nodes(s->targetList)[0], T_ResTarget)
                           : nullptr;
  if (target == nullptr) return make_error("'" + std::string(expr) + "' is not a single SQL expression");
  return static_cast<const Node*>(target->val);
}

Expected<std::string> soft_delete_update_now(const SyntaxHandle& handle, const std::string& column,
                                             std::string_view value_sql) {
  const RawParse parsed(handle.text());
  const auto* d = as<DeleteStmt>(pg::find_dml(parsed, handle), T_DeleteStmt);
  if (d == nullptr) return make_error("no DELETE statement to rewrite");
  const RawParse value_parsed("SELECT " + std::string(value_sql));
  auto value = expression(value_parsed, value_sql);
  if (!value) return tl::unexpected(value.error());

  Builder b;
  auto* update = b.make<UpdateStmt>(T_UpdateStmt);
  update->relation = mut(d->relation);
  update->targetList = Builder::list({b.target(column.c_str(), *value)});
  update->whereClause = mut(d->whereClause);
  update->fromClause = mut(d->usingClause);
  update->returningList = mut(d->returningList);
  update->withClause = mut(d->withClause);
  return b.deparse(reinterpret_cast<Node*>(update));
}

Expected<std::string> reversal_insert_now(const SyntaxHandle& handle) {
  const RawParse parsed(handle.text());
  const Node* found = pg::find_dml(parsed, handle);
  const RangeVar* relation = nullptr;
  const Node* where = nullptr;
  const List* from = NIL;
  if (const auto* d = as<DeleteStmt>(found, T_DeleteStmt)) {
    relation = d->relation;
    where = d->whereClause;
    from = d->usingClause;
  } else if (const auto* u = as<UpdateStmt>(found, T_UpdateStmt)) {
    relation = u->relation;
    where = u->whereClause;
    from = u->fromClause;
  } else {
    return make_error("only DELETE and UPDATE have rows to reverse");
  }

  // INSERT INTO relation SELECT [<alias or name>.]* FROM relation, <using...> WHERE <where>
  Builder b;
  auto* colref = b.make<ColumnRef>(T_ColumnRef);
  const auto* star = b.make<A_Star>(T_A_Star);
  if (from != NIL) {
    const char* qualifier = relation->alias != nullptr ? relation->alias->aliasname : relation->relname;
    colref->fields = Builder::list({makeString(pstrdup(qualifier)), star});
  } else {
    colref->fields = Builder::list({star});
  }
  colref->location = -1;

  auto* select = b.make<SelectStmt>(T_SelectStmt);
  select->targetList = Builder::list({b.target(nullptr, reinterpret_cast<Node*>(colref))});
  select->fromClause = Builder::list({relation}, from);
  select->whereClause = mut(where);
  select->limitOption = LIMIT_OPTION_DEFAULT;
  select->op = SETOP_NONE;

  // The INSERT target is the bare relation, without the DELETE's alias.
  auto* target = b.make<RangeVar>(T_RangeVar);
  *target = *relation;
  target->alias = nullptr;
  auto* insert = b.make<InsertStmt>(T_InsertStmt);
  insert->relation = target;
  insert->selectStmt = reinterpret_cast<Node*>(select);
  insert->override = OVERRIDING_NOT_SET;
  return b.deparse(reinterpret_cast<Node*>(insert));
}

}  // namespace

Expected<std::string> soft_delete_update(const Effect& del, std::string_view column, std::string_view value_sql) {
  if (!del.syntax) return make_error("no DELETE statement to rewrite");
  const std::string key = "soft_delete\n" + std::string(column) + "\n" + std::string(value_sql);
  return del.syntax->rewrite(key, [&] { return soft_delete_update_now(*del.syntax, std::string(column), value_sql); });
}

Expected<std::string> reversal_insert(const Effect& effect) {
  if (!effect.syntax) return make_error("no statement to rewrite");
  return effect.syntax->rewrite("reversal", [&] { return reversal_insert_now(*effect.syntax); });
}

namespace pg {

std::string deparse_expression(const Node* expr) {
  if (expr == nullptr) return {};
  Builder b;
  auto* select = b.make<SelectStmt>(T_SelectStmt);
  select->targetList = Builder::list({b.target(nullptr, expr)});
  select->limitOption = LIMIT_OPTION_DEFAULT;
  select->op = SETOP_NONE;
  auto printed = b.deparse(reinterpret_cast<Node*>(select));
  if (!printed || !printed->starts_with("SELECT ")) return {};
  return printed->substr(7);
}

}  // namespace pg
}  // namespace pgwarden::sql
