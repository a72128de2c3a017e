// lint.add-required-column: ADD COLUMN ... NOT NULL without a default on an existing table.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    const auto& col = c.column;
    if (c.kind != sql::ChangeKind::add_column || !ctx.existing(c.table) || !col.not_null ||
        col.default_kind != sql::DefaultKind::none || col.serial || col.identity || col.generated_stored) {
      continue;
    }
    const std::string t = c.table.display();
    ctx.report(c.offset, "ADD COLUMN " + ident(col.name) + " NOT NULL without a default fails on a table that has rows",
               "PostgreSQL cannot fill the existing rows of " + t +
                   ", so the migration fails in every environment with data; code that does not know the column "
                   "cannot insert either.",
               steps({"Add it nullable (or with a constant default, which PostgreSQL 11+ stores without a rewrite), "
                      "backfill, then make it NOT NULL with the validated-CHECK recipe (docs/rules/set-not-null.md):",
                      "  ALTER TABLE " + t + " ADD COLUMN " + ident(col.name) + " " + col.type_sql + ";"}));
  }
}

}  // namespace

extern const RuleSpec k_add_required_column{"lint.add-required-column",
                                            "ADD COLUMN NOT NULL without a default fails on populated tables",
                                            policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
