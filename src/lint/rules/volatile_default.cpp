// lint.volatile-default: ADD COLUMN with a default PostgreSQL must compute per row (any default
// before PostgreSQL 11): the table is rewritten under an ACCESS EXCLUSIVE lock.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    const auto& col = c.column;
    if (c.kind != sql::ChangeKind::add_column || !ctx.existing(c.table) || col.serial || col.identity ||
        col.generated_stored) {
      continue;
    }
    const bool rewrite = col.default_kind == sql::DefaultKind::per_row ||
                         (ctx.pg_version < 11 && col.default_kind == sql::DefaultKind::constant);
    if (!rewrite) continue;
    const std::string t = c.table.display();
    ctx.report(c.offset,
               "ADD COLUMN " + ident(col.name) + " DEFAULT " + col.default_sql + " rewrites " + t +
                   " under an ACCESS EXCLUSIVE lock",
               col.default_kind == sql::DefaultKind::per_row
                   ? "The default is computed per row (a volatile function), so PostgreSQL writes every row again "
                     "while reads and writes wait."
                   : "Before PostgreSQL 11 any default rewrites the table.",
               steps({"Add the column without the default, set the default for new rows, and backfill existing "
                      "rows in batches outside the migration:",
                      "  ALTER TABLE " + t + " ADD COLUMN " + ident(col.name) + " " + col.type_sql + ";",
                      "  ALTER TABLE " + t + " ALTER COLUMN " + ident(col.name) + " SET DEFAULT " + col.default_sql + ";",
                      "  UPDATE " + t + " SET " + ident(col.name) + " = " + col.default_sql + " WHERE " + ident(col.name) +
                          " IS NULL AND <key range of one batch>;"}));
  }
}

}  // namespace

extern const RuleSpec k_volatile_default{"lint.volatile-default",
                                         "ADD COLUMN with a volatile default rewrites the table",
                                         policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
