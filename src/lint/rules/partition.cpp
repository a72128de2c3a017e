// lint.partition: DETACH PARTITION without CONCURRENTLY (PostgreSQL 14+ has it).
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  if (ctx.pg_version < 14) return;
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::detach_partition || c.concurrently || !ctx.existing(c.table)) continue;
    ctx.report(c.offset, "DETACH PARTITION " + c.name + " locks " + c.table.display() + " against reads and writes",
               "A plain DETACH takes ACCESS EXCLUSIVE on the partitioned table.",
               steps({"Detach concurrently, outside a transaction (`-- pgwarden:no-transaction`):",
                      "  ALTER TABLE " + c.table.display() + " DETACH PARTITION " + c.name + " CONCURRENTLY;"}));
  }
}

}  // namespace

extern const RuleSpec k_partition{"lint.partition", "DETACH PARTITION without CONCURRENTLY locks the parent",
                                  policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
