// lint.validate-same-transaction: VALIDATE CONSTRAINT in the transaction that added it NOT VALID.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::validate_constraint) continue;
    const auto found = ctx.facts.constraints.find(ctx.resolve(c.table));
    if (found == ctx.facts.constraints.end()) continue;
    for (const auto& con : found->second) {
      if (con.name != c.name || con.valid || con.transaction != ctx.facts.transaction) continue;
      ctx.report(c.offset,
                 "VALIDATE CONSTRAINT " + ident(c.name) + " runs in the same transaction that added it NOT VALID",
                 "The ADD ... NOT VALID took a lock that is held until the transaction ends, so the validation scan "
                 "runs under it: NOT VALID gains nothing.",
                 steps({"Commit between the two: move this statement to a later migration:",
                        "  ALTER TABLE " + c.table.display() + " VALIDATE CONSTRAINT " + ident(c.name) + ";"}));
    }
  }
}

}  // namespace

extern const RuleSpec k_validate_same_transaction{"lint.validate-same-transaction",
                                                  "NOT VALID and VALIDATE in one transaction hold the lock throughout",
                                                  policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
