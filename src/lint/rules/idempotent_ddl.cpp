// lint.idempotent-ddl: CREATE / DROP without IF [NOT] EXISTS (or OR REPLACE) in a statement that
// runs outside a transaction, so that a migration that failed half-way can run again.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

std::string guarded_form(const sql::SchemaChange& c) {
  using K = sql::ChangeKind;
  switch (c.kind) {
    case K::create_table: return "CREATE TABLE IF NOT EXISTS";
    case K::create_index: return c.concurrently ? "CREATE INDEX CONCURRENTLY IF NOT EXISTS" : "CREATE INDEX IF NOT EXISTS";
    case K::drop_index: return c.concurrently ? "DROP INDEX CONCURRENTLY IF EXISTS" : "DROP INDEX IF EXISTS";
    case K::add_column: return "ADD COLUMN IF NOT EXISTS";
    case K::drop_column: return "DROP COLUMN IF EXISTS";
    case K::drop_table: return "DROP TABLE IF EXISTS";
    case K::drop_constraint: return "DROP CONSTRAINT IF EXISTS";
    case K::add_enum_value: return "ADD VALUE IF NOT EXISTS";
    case K::create_function: return "CREATE OR REPLACE";
    case K::create_trigger: return "CREATE OR REPLACE TRIGGER";
    case K::create_other: return "IF NOT EXISTS / OR REPLACE";
    case K::drop_other: return "DROP ... IF EXISTS";
    default: return {};
  }
}

void check(RuleContext& ctx) {
  if (ctx.facts.in_transaction) return;
  for (const auto& c : ctx.statement.analysis->changes) {
    if (!c.guardable || c.guarded) continue;
    const std::string form = guarded_form(c);
    if (form.empty()) continue;
    ctx.report(c.offset, "cannot run twice: write " + form,
               "This statement runs outside a transaction, so a migration that fails after it cannot simply run "
               "again: the second run stops here with \"already exists\" or \"does not exist\".",
               steps({"Use " + form + " so that a retry after a partial failure succeeds."}));
  }
}

}  // namespace

extern const RuleSpec k_idempotent_ddl{"lint.idempotent-ddl",
                                       "CREATE / DROP outside a transaction without IF [NOT] EXISTS cannot be re-run",
                                       policy::Decision::warn, false, check, nullptr};

}  // namespace pgwarden::lint
