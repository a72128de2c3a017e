// lint.rename: renaming a table or a column that running code still uses.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if ((c.kind != sql::ChangeKind::rename_table && c.kind != sql::ChangeKind::rename_column) || !ctx.existing(c.table)) {
      continue;
    }
    const std::string t = c.table.display();
    if (c.kind == sql::ChangeKind::rename_table) {
      ctx.report(c.offset, "RENAME of " + t + " breaks the code that is running while the migration deploys",
                 "Until every instance runs the new code, queries use the old name and fail.",
                 steps({"Rename in the ORM mapping only, or keep the old name readable during the deploy:",
                        "  ALTER TABLE " + t + " RENAME TO " + ident(c.new_name.name) + ";",
                        "  CREATE VIEW " + t + " AS SELECT * FROM " + c.new_name.display() + ";",
                        "and drop the view in a later release."}));
    } else {
      ctx.report(c.offset, "RENAME COLUMN " + ident(c.name) + " of " + t + " breaks the code that is running while the migration deploys",
                 "Until every instance runs the new code, queries use the old column name and fail.",
                 steps({"Map the new name in the ORM only, or add the new column, write both, backfill, switch "
                        "readers, and retire the old column in a later release."}));
    }
  }
}

}  // namespace

extern const RuleSpec k_rename{"lint.rename", "RENAME of a table or column breaks running code",
                               policy::Decision::warn, false, check, nullptr, "rename"};

}  // namespace pgwarden::lint
