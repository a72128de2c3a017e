/* The floor of pgwarden's transform (docs/performance.md): libpg_query's raw parse
 * (PostgreSQL's own parse nodes, no serialization) plus one walk over every node with
 * PostgreSQL's raw_expression_tree_walker, counting relations and function calls and building
 * nothing. Measured beside the bare parse in bench_analyze.cpp. */
#include "postgres.h"

#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "utils/memutils.h"

#include <pg_query.h>
#include <pg_query/pg_query_internal.h>

#include "raw_walk.h"

static bool visit(Node* node, void* context) {
  long* seen = (long*)context;
  if (node == NULL) return false;
  ++*seen;
  if (IsA(node, RangeVar) || IsA(node, FuncCall)) *seen += 1000;
  return raw_expression_tree_walker(node, visit, context);
}

/* raw_expression_tree_walker knows expressions and the DML statements; utility statements
 * (BEGIN, SET, DDL) it rejects with an ERROR (a FATAL exit here: there is no handler), so they
 * are counted without a walk. PG_TRY cannot be used from this side: libpg_query makes
 * PostgreSQL's globals thread-local (PG_exception_stack, CurrentMemoryContext, ...) while the
 * server headers declare them plain, so code outside the library must touch no global. */
static bool walkable(const Node* stmt) {
  return IsA(stmt, SelectStmt) || IsA(stmt, InsertStmt) || IsA(stmt, UpdateStmt) || IsA(stmt, DeleteStmt) ||
         IsA(stmt, MergeStmt);
}

long pgwarden_bench_raw_walk(const char* sql) {
  MemoryContext context = pg_query_enter_memory_context();
  PgQueryInternalParsetreeAndError result = pg_query_raw_parse(sql);
  long seen = 0;
  if (result.tree != NULL) {
    ListCell* cell;
    foreach (cell, result.tree) {
      Node* stmt = lfirst_node(RawStmt, cell)->stmt;
      if (!walkable(stmt)) {
        ++seen;
        continue;
      }
      visit(stmt, &seen);
    }
  }
  if (result.error != NULL) pg_query_free_error(result.error);
  free(result.stderr_buffer);
  pg_query_exit_memory_context(context);
  return seen;
}
