// lint.on-delete-cascade (convention): FOREIGN KEY ... ON DELETE CASCADE; cascading deletes are
// deletes that no statement names.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::add_constraint || !c.on_delete_cascade) continue;
    ctx.report(c.offset,
               "ON DELETE CASCADE: deleting a row of " + c.ref_table.display() + " silently deletes rows of " +
                   c.table.display(),
               "A cascading delete is a delete that no statement names: policies, reviews and the audit see one "
               "DELETE where many tables lose rows.",
               steps({"Use ON DELETE RESTRICT (or NO ACTION) and archive or delete the children explicitly first."}));
  }
}

}  // namespace

extern const RuleSpec k_on_delete_cascade{"lint.on-delete-cascade", "ON DELETE CASCADE deletes rows no statement names",
                                          policy::Decision::allow, true, check, nullptr};

}  // namespace pgwarden::lint
