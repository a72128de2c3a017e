// lint.repack: VACUUM FULL and CLUSTER rewrite a table under an ACCESS EXCLUSIVE lock.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    const bool full = c.kind == sql::ChangeKind::vacuum && c.full;
    if (!full && c.kind != sql::ChangeKind::cluster) continue;
    if (!c.table.empty() && !ctx.existing(c.table)) continue;
    const std::string what = full ? "VACUUM FULL" : "CLUSTER";
    ctx.report(c.offset, what + (c.table.empty() ? " of every table" : " " + c.table.display()) +
                             " rewrites under an ACCESS EXCLUSIVE lock",
               "Reads and writes wait for the whole rewrite.",
               steps({"Use pg_repack (or pg_squeeze) online, or plain VACUUM, which takes no blocking lock."}));
  }
}

}  // namespace

extern const RuleSpec k_repack{"lint.repack", "VACUUM FULL / CLUSTER block the table while rewriting it",
                               policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
