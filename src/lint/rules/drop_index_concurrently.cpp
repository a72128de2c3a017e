// lint.drop-index-concurrently: DROP INDEX without CONCURRENTLY.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::drop_index || c.concurrently || !ctx.existing(c.table)) continue;
    std::string fixed = insert_after_words(ctx.statement.text, {"DROP", "INDEX"}, "CONCURRENTLY");
    if (!c.guarded && !fixed.empty()) fixed = insert_after_words(fixed, {"DROP", "INDEX", "CONCURRENTLY"}, "IF EXISTS");
    ctx.report(c.offset, "DROP INDEX " + c.table.display() + " locks its table against reads and writes",
               "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: every query on it waits, "
               "and so does every query queued behind the DROP.",
               steps({"Drop it concurrently, in a migration of its own that runs without a transaction "
                      "(first line `-- pgwarden:no-transaction`):",
                      "  " + fixed + ";"}));
  }
}

}  // namespace

extern const RuleSpec k_drop_index_concurrently{"lint.drop-index-concurrently",
                                                "DROP INDEX without CONCURRENTLY locks the table",
                                                policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
