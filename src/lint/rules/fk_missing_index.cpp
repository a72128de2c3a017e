// lint.fk-missing-index: a foreign key whose referencing columns lead no index, judged when the
// whole run is read (the index may come later in the same or a later migration).
#include <algorithm>

#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

bool covered(const std::vector<std::vector<std::string>>& indexes, const std::vector<std::string>& fk) {
  return std::any_of(indexes.begin(), indexes.end(), [&](const std::vector<std::string>& index) {
    if (index.size() < fk.size()) return false;
    return std::is_permutation(fk.begin(), fk.end(), index.begin());
  });
}

void finish(RunContext& ctx) {
  for (const auto& fk : ctx.facts.foreign_keys) {
    const auto found = ctx.facts.indexes.find(fk.table);
    if (found != ctx.facts.indexes.end() && covered(found->second, fk.columns)) continue;
    const std::string t = fk.table_name.display();
    ctx.report(fk.at, "the foreign key on " + t + " (" + column_list(fk.columns) + ") has no index on its columns",
               "Every DELETE or key UPDATE on the referenced table scans " + t +
                   " to find referencing rows, under lock; ON DELETE actions do the same.",
               steps({"Index the referencing columns (a migration of its own without a transaction):",
                      "  CREATE INDEX CONCURRENTLY IF NOT EXISTS " + ident(default_name(fk.table_name, fk.columns, "idx")) +
                          " ON " + t + " (" + column_list(fk.columns) + ");"}));
  }
}

}  // namespace

extern const RuleSpec k_fk_missing_index{"lint.fk-missing-index", "a foreign key without an index on its columns",
                                         policy::Decision::warn, false, nullptr, finish};

}  // namespace pgwarden::lint
