// lint.concurrently-in-transaction: statements PostgreSQL refuses to run inside a transaction
// block (CONCURRENTLY, VACUUM, ALTER TYPE ... ADD VALUE before 12) in a migration that runs in one.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

std::string what(const sql::SchemaChange& c, int pg_version) {
  using K = sql::ChangeKind;
  if (c.concurrently && (c.kind == K::create_index || c.kind == K::drop_index || c.kind == K::reindex)) {
    return std::string(c.kind == K::create_index ? "CREATE INDEX" : c.kind == K::drop_index ? "DROP INDEX" : "REINDEX") +
           " CONCURRENTLY";
  }
  if (c.concurrently && c.kind == K::detach_partition) return "DETACH PARTITION CONCURRENTLY";
  if (c.kind == K::vacuum) return "VACUUM";
  if (c.kind == K::add_enum_value && pg_version < 12) return "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)";
  return {};
}

void check(RuleContext& ctx) {
  if (!ctx.facts.in_transaction) return;
  for (const auto& c : ctx.statement.analysis->changes) {
    const std::string verb = what(c, ctx.pg_version);
    if (verb.empty()) continue;
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
