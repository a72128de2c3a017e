// lint.set-not-null: ALTER COLUMN ... SET NOT NULL on an existing table, unless a validated
// CHECK (col IS NOT NULL) already proves it (PostgreSQL 12+ then skips the scan), in this
// migration or an earlier one.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

bool proven(const RuleContext& ctx, const sql::SchemaChange& c) {
  if (ctx.pg_version < 12) return false;
  const auto found = ctx.facts.constraints.find(ctx.resolve(c.table));
  if (found == ctx.facts.constraints.end()) return false;
  for (const auto& con : found->second) {
    if (con.check_not_null == c.name && con.valid) return true;
  }
  return false;
}

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::set_not_null || !ctx.existing(c.table) || proven(ctx, c)) continue;
    const std::string t = c.table.display();
    const std::string check = default_name(c.table, {c.name}, "not_null");
    if (ctx.pg_version < 12) {
      ctx.report(c.offset, "SET NOT NULL on " + t + "." + ident(c.name) + " scans the table under an ACCESS EXCLUSIVE lock",
                 "Before PostgreSQL 12 there is no way to make a column NOT NULL without that scan.",
                 "Keep the CHECK (" + ident(c.name) + " IS NOT NULL) NOT VALID constraint instead, validated in a later "
                 "migration, or upgrade to PostgreSQL 12+ for the lock-free recipe.");
      continue;
    }
    ctx.report(c.offset, "SET NOT NULL on " + t + "." + ident(c.name) + " scans the table under an ACCESS EXCLUSIVE lock",
               "PostgreSQL checks every row while reads and writes wait, unless a validated CHECK (" + ident(c.name) +
                   " IS NOT NULL) already proves it.",
               steps({"1. In this migration:",
                      "  ALTER TABLE " + t + " ADD CONSTRAINT " + ident(check) + " CHECK (" + ident(c.name) +
                          " IS NOT NULL) NOT VALID;",
                      "2. In a later migration (the scan does not block writes):",
                      "  ALTER TABLE " + t + " VALIDATE CONSTRAINT " + ident(check) + ";",
                      "3. Then (no scan: the constraint proves it) and drop the helper:",
                      "  ALTER TABLE " + t + " ALTER COLUMN " + ident(c.name) + " SET NOT NULL;",
                      "  ALTER TABLE " + t + " DROP CONSTRAINT " + ident(check) + ";"}));
  }
}

}  // namespace

extern const RuleSpec k_set_not_null{"lint.set-not-null",
                                     "SET NOT NULL scans the table unless a validated CHECK proves it",
                                     policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
