// The check lint.unique-using-index and lint.primary-key-using-index share: ADD UNIQUE /
// PRIMARY KEY on an existing table builds its index under the table's lock.
#include "lint/recipe.hpp"
#include "lint/rules/using_index.hpp"

namespace pgwarden::lint {

void check_using_index(RuleContext& ctx, sql::ConstraintType type) {
  const bool pk = type == sql::ConstraintType::primary_key;
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::add_constraint || c.constraint != type || !c.using_index.empty() || c.in_new_table ||
        !ctx.existing(c.table)) {
      continue;
    }
    const std::string name = !c.name.empty() ? c.name
                           : pk             ? c.table.name + "_pkey"
                                            : default_name(c.table, c.constraint_columns, "key");
    const std::string index = name + "_idx";
    ctx.report(c.offset,
               std::string("ADD ") + (pk ? "PRIMARY KEY" : "UNIQUE") + " on " + c.table.display() +
                   " builds its index while the table is locked",
               "The index is built under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build." +
                   std::string(pk ? " PRIMARY KEY also makes its columns NOT NULL, which scans the table." : ""),
               steps({"Build the index concurrently first (a migration of its own without a transaction):",
                      "  CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS " + ident(index) + " ON " + c.table.display() +
                          " (" + column_list(c.constraint_columns) + ");",
                      pk ? "Make the columns NOT NULL with the validated-CHECK recipe (docs/rules/set-not-null.md)." : "",
                      "Then attach it, which takes the lock only briefly:",
                      "  ALTER TABLE " + c.table.display() + " ADD CONSTRAINT " + ident(name) + (pk ? " PRIMARY KEY" : " UNIQUE") +
                          " USING INDEX " + ident(index) + ";"}));
  }
}

}  // namespace pgwarden::lint
