// lint.rewrite-column: ADD COLUMN of a serial, identity or stored generated column on an
// existing table: every row is written again under an ACCESS EXCLUSIVE lock.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    const auto& col = c.column;
    if (c.kind != sql::ChangeKind::add_column || !ctx.existing(c.table)) continue;
    if (!col.serial && !col.identity && !col.generated_stored) continue;
    const std::string t = c.table.display();
    const std::string kind = col.generated_stored ? "a stored generated column" : col.serial ? "a serial column" : "an identity column";
    ctx.report(c.offset, "ADD COLUMN " + ident(col.name) + " adds " + kind + ", which rewrites " + t,
               "PostgreSQL computes the value for every existing row and writes the table again while reads and "
               "writes wait (ACCESS EXCLUSIVE).",
               steps({"Add a plain column, fill it for new rows with a trigger or a default, backfill existing "
                      "rows in batches, then add the constraint:",
                      "  ALTER TABLE " + t + " ADD COLUMN " + ident(col.name) + " " +
                          (col.serial ? std::string(col.type == "bigserial" || col.type == "serial8"       ? "bigint"
                                                   : col.type == "smallserial" || col.type == "serial2" ? "smallint"
                                                                                                        : "integer")
                                      : col.type_sql) + ";"}));
  }
}

}  // namespace

extern const RuleSpec k_rewrite_column{"lint.rewrite-column",
                                       "ADD COLUMN serial / identity / GENERATED STORED rewrites the table",
                                       policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
