// lint.transaction-nesting: BEGIN / COMMIT / ROLLBACK written into a migration that the tool
// already runs in a transaction, or a BEGIN inside a BEGIN.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::transaction) continue;
    const bool begin = c.transaction == sql::TransactionKind::begin;
    const bool end = c.transaction == sql::TransactionKind::commit || c.transaction == sql::TransactionKind::rollback;
    if (begin && ctx.facts.in_transaction) {
      ctx.report(c.offset,
                 ctx.facts.explicit_transaction ? "BEGIN inside a transaction that this migration already began"
                                                : "BEGIN inside the transaction the migration tool runs this migration in",
                 "PostgreSQL ignores the nested BEGIN with a warning; the COMMIT that follows then commits the "
                 "tool's transaction early, and what comes after it is no longer atomic.",
                 steps({"Remove the BEGIN and its COMMIT: the tool already makes the migration atomic.",
                        "If the migration must manage its own transactions, make `-- pgwarden:no-transaction` its "
                        "first line and turn the tool's transaction off for it."}));
    } else if (end && ctx.facts.tool_transaction && !ctx.facts.explicit_transaction) {
      ctx.report(c.offset, "COMMIT/ROLLBACK ends the transaction the migration tool runs this migration in",
                 "What runs after it is outside any transaction: a failure leaves the migration half applied, and "
                 "the tool's own COMMIT finds no transaction.",
                 steps({"Remove it, or split the migration where it stands."}));
    }
  }
}

}  // namespace

extern const RuleSpec k_transaction_nesting{"lint.transaction-nesting",
                                            "BEGIN / COMMIT inside a transaction the migration tool manages",
                                            policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
