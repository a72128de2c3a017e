// lint.reindex-concurrently: REINDEX without CONCURRENTLY (PostgreSQL 12+ has it).
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  if (ctx.pg_version < 12) return;
  for (const auto& c : ctx.statement.analysis->changes) {
    // REINDEX SYSTEM has no concurrent form.
    if (c.kind != sql::ChangeKind::reindex || c.concurrently || c.name == "SYSTEM" || !ctx.existing(c.table)) continue;
    const std::string& upper = c.name;
    ctx.report(c.offset, "REINDEX " + upper + " " + c.table.display() + " blocks writes, and reads that use the index",
               "REINDEX locks the table against writes (SHARE) and each index against every use (ACCESS EXCLUSIVE) "
               "for the whole rebuild.",
               steps({"Rebuild it concurrently, outside a transaction (`-- pgwarden:no-transaction`):",
                      "  REINDEX " + upper + " CONCURRENTLY " + c.table.display() + ";"}));
  }
}

}  // namespace

extern const RuleSpec k_reindex_concurrently{"lint.reindex-concurrently", "REINDEX without CONCURRENTLY blocks the table",
                                             policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
