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
    const std::string name = !c.name.empty() ? c.name
                             : fk            ? default_name(c.table, c.constraint_columns, "fkey")
                                             : default_name(c.table, c.check_not_null.empty() ? std::vector<std::string>{}
                                                                                               : std::vector<std::string>{c.check_not_null},
                                                            "check");
    const std::string tables = fk ? c.table.display() + " and " + c.ref_table.display() : c.table.display();
    std::string add = ctx.statement.text + " NOT VALID;";
    if (c.name.empty() && ctx.statement.analysis->changes.size() == 1) {
      add = "ALTER TABLE " + c.table.display() + " ADD CONSTRAINT " + ident(name) + " " +
            std::string(ctx.statement.text.substr(std::min(c.offset, ctx.statement.text.size()))) + " NOT VALID;";
    }
    ctx.report(c.offset,
               std::string("ADD ") + std::string(sql::to_string(c.constraint)) + " on " + c.table.display() +
                   " checks every existing row while holding its lock",
               fk ? "Adding a valid foreign key scans " + c.table.display() + " under a SHARE ROW EXCLUSIVE lock on " +
                        tables + ": writes to both wait for the whole scan."
                  : "Adding a valid CHECK scans " + c.table.display() +
                        " under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole scan.",
               steps({"Add it NOT VALID (only new rows are checked, the lock is brief):", "  " + add,
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
