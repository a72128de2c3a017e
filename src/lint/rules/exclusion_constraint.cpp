// lint.exclusion-constraint: ADD EXCLUDE on an existing table builds and checks under an ACCESS
// EXCLUSIVE lock, with no concurrent path.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::add_constraint || c.constraint != sql::ConstraintType::exclusion || c.in_new_table ||
        !ctx.existing(c.table)) {
      continue;
    }
    ctx.report(c.offset, "ADD EXCLUDE on " + c.table.display() + " builds its index while the table is locked",
               "Exclusion constraints cannot be added NOT VALID or USING INDEX: the build runs under ACCESS EXCLUSIVE.",
               steps({"Run it in a quiet window with a lock_timeout, or create the table with the constraint."}));
  }
}

}  // namespace

extern const RuleSpec k_exclusion_constraint{"lint.exclusion-constraint", "ADD EXCLUDE locks the table while building",
                                             policy::Decision::warn, false, check, nullptr};

}  // namespace pgwarden::lint
