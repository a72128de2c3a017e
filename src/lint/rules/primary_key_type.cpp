// lint.primary-key-type (convention): tables have a UUID or identity primary key.
#include <algorithm>

#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::create_table || c.temporary || c.columns.empty()) continue;  // PARTITION OF, LIKE
    std::vector<const sql::ColumnSpec*> keys;
    for (const auto& col : c.columns) {
      if (col.primary_key) keys.push_back(&col);
    }
    const std::string t = c.table.display();
    const std::string good = "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY\nor\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid()";
    if (keys.empty()) {
      ctx.report(c.offset, "table " + t + " has no primary key",
                 "Rows without a key cannot be updated, archived or replicated one by one.", steps({"Add one:", good}));
      continue;
    }
    if (keys.size() > 1) continue;  // a composite key (a link table) is a choice, not an accident
    const auto& key = *keys.front();
    if (key.type == "uuid" || key.identity) continue;
    ctx.report(key.offset,
               "primary key " + ident(key.name) + " of " + t + " is " + (key.serial ? key.type : key.type_sql) +
                   ", not an identity or a UUID",
               key.serial ? "serial is a sequence default anyone can bypass or drop; identity columns are the "
                            "SQL-standard form PostgreSQL recommends."
                          : "A key the application must invent collides across environments and imports.",
               steps({"Use:", good}));
  }
}

}  // namespace

extern const RuleSpec k_primary_key_type{"lint.primary-key-type", "primary keys are identity columns or UUIDs",
                                         policy::Decision::allow, true, check, nullptr};

}  // namespace pgwarden::lint
