// lint.constraint-not-valid: ADD FOREIGN KEY or CHECK on an existing table without NOT VALID.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::add_constraint || c.not_valid || c.in_new_table || !ctx.existing(c.table)) continue;
    const bool fk = c.constraint == sql::ConstraintType::foreign_key;
    if (!fk && c.constraint != sql::ConstraintType::check) continue;
    std::vector<std::string> named_by = c.constraint_columns;
    if (!fk) named_by = !c.check_not_null.empty() ? std::vector<std::string>{c.check_not_null}
                        : !c.column.name.empty()  ? std::vector<std::string>{c.column.name}
                                                  : std::vector<std::string>{};
    const std::string name = !c.name.empty() ? c.name : default_name(c.table, named_by, fk ? "fkey" : "check");
    const std::string tables = fk ? c.table.display() + " and " + c.ref_table.display() : c.table.display();
    const std::string head = "ALTER TABLE " + c.table.display() + " ADD CONSTRAINT " + ident(name);
    std::string add;
    if (c.column.name.empty() && ctx.statement.analysis->changes.size() == 1) {
      // The statement's own text, named when PostgreSQL would have named it.
      add = c.name.empty() ? head + " " + std::string(ctx.statement.text.substr(std::min(c.offset, ctx.statement.text.size())))
                           : ctx.statement.text;
      add += " NOT VALID;";
    } else if (fk) {
      add = head + " FOREIGN KEY (" + column_list(c.constraint_columns) + ") REFERENCES " + c.ref_table.display() +
            (c.ref_columns.empty() ? "" : " (" + column_list(c.ref_columns) + ")") + " NOT VALID;";
    } else {
      add = head + " CHECK (" + (c.check_not_null.empty() ? "<the condition>" : ident(c.check_not_null) + " IS NOT NULL") +
            ") NOT VALID;";
    }
    const std::string first = c.column.name.empty() ? "Add it NOT VALID (only new rows are checked, the lock is brief):"
                                                    : "Add the column without the constraint, then add the constraint "
                                                      "NOT VALID (only new rows are checked, the lock is brief):";
    ctx.report(c.offset,
               std::string("ADD ") + std::string(sql::to_string(c.constraint)) + " on " + c.table.display() +
                   " checks every existing row while holding its lock",
               fk ? "Adding a valid foreign key scans " + c.table.display() + " under a SHARE ROW EXCLUSIVE lock on " +
                        tables + ": writes to both wait for the whole scan."
                  : "Adding a valid CHECK scans " + c.table.display() +
                        " under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole scan.",
               steps({first, "  " + add,
                      "Then validate it in a later migration, in a transaction of its own (the scan no longer "
                      "blocks writes):",
                      "  ALTER TABLE " + c.table.display() + " VALIDATE CONSTRAINT " + ident(name) + ";"}));
  }
}

}  // namespace

extern const RuleSpec k_constraint_not_valid{"lint.constraint-not-valid",
                                             "ADD FOREIGN KEY / CHECK without NOT VALID scans the table under lock",
                                             policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
