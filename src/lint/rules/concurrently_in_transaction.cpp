// lint.concurrently-in-transaction: statements PostgreSQL refuses to run inside a transaction
// block (CONCURRENTLY, VACUUM, ALTER TYPE ... ADD VALUE before 12) in a migration that runs in one.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

// How the statement is spelled in the message.
std::string what(const sql::SchemaChange& c) {
  using K = sql::ChangeKind;
  switch (c.kind) {
    case K::create_index: return "CREATE INDEX CONCURRENTLY";
    case K::drop_index: return "DROP INDEX CONCURRENTLY";
    case K::reindex: return "REINDEX CONCURRENTLY";
    case K::detach_partition: return "DETACH PARTITION CONCURRENTLY";
    case K::vacuum: return "VACUUM";
    default: return "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)";
  }
}

void check(RuleContext& ctx) {
  if (!ctx.facts.in_transaction) return;
  for (const auto& c : ctx.statement.analysis->changes) {
    if (!cannot_run_in_transaction(c, ctx.pg_version)) continue;
    const std::string verb = what(c);
    const std::string opener = ctx.facts.explicit_transaction ? "the BEGIN earlier in this migration"
                                                              : "the migration tool's transaction";
    ctx.report(c.offset, verb + " cannot run inside a transaction block, and this statement runs in " + opener,
               "PostgreSQL refuses it with \"cannot run inside a transaction block\": the migration fails "
               "half-way on deploy.",
               steps({"Move it to a migration of its own that runs without a transaction: make "
                      "`-- pgwarden:no-transaction` its first line and mark it for your tool too "
                      "(golang-migrate: one statement per file; dbmate: `-- migrate:up transaction:false`; "
                      "Rails: disable_ddl_transaction!; Atlas: `-- atlas:txmode none`).",
                      ctx.facts.explicit_transaction ? "Remove the BEGIN/COMMIT around it." : ""}));
  }
}

}  // namespace

extern const RuleSpec k_concurrently_in_transaction{
    "lint.concurrently-in-transaction", "CONCURRENTLY and VACUUM cannot run inside a transaction block",
    policy::Decision::deny, false, check, nullptr};

}  // namespace pgwarden::lint
