// lint.index-concurrently: CREATE INDEX without CONCURRENTLY on a table that already exists.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::create_index || c.concurrently || !ctx.existing(c.table)) continue;
    std::string fixed = insert_after_words(ctx.statement.text, {"CREATE", "UNIQUE?", "INDEX"}, "CONCURRENTLY");
    if (!c.guarded && !c.name.empty() && !fixed.empty()) fixed = insert_after_words(fixed, {"CREATE", "UNIQUE?", "INDEX", "CONCURRENTLY"}, "IF NOT EXISTS");
    ctx.report(c.offset,
               "CREATE INDEX on " + c.table.display() + " locks the table against writes until the index is built",
               "A plain CREATE INDEX takes a SHARE lock: every INSERT, UPDATE and DELETE on " + c.table.display() +
                   " waits for the whole build, which on a large table is minutes.",
               steps({"Build it concurrently, in a migration of its own that runs without a transaction "
                      "(first line `-- pgwarden:no-transaction`):",
                      "  " + fixed + ";",
                      "If the build fails it leaves an INVALID index: drop it with DROP INDEX CONCURRENTLY and run again."}));
  }
}

}  // namespace

extern const RuleSpec k_index_concurrently{"lint.index-concurrently",
                                           "CREATE INDEX without CONCURRENTLY blocks writes to an existing table",
                                           policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
