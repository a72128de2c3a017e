// lint.refresh-matview-concurrently: REFRESH MATERIALIZED VIEW without CONCURRENTLY.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::refresh_matview || c.concurrently || !ctx.existing(c.table)) continue;
    ctx.report(c.offset, "REFRESH MATERIALIZED VIEW " + c.table.display() + " blocks every read of it until it finishes",
               "A plain refresh takes an ACCESS EXCLUSIVE lock on the view for the whole query.",
               steps({"Refresh it concurrently (it needs a unique index on the view; readers keep the old rows "
                      "meanwhile):",
                      "  REFRESH MATERIALIZED VIEW CONCURRENTLY " + c.table.display() + ";"}));
  }
}

}  // namespace

extern const RuleSpec k_refresh_matview_concurrently{
    "lint.refresh-matview-concurrently", "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads",
    policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
