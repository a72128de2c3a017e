// lint.timestamps (convention): every table has created_at and updated_at.
#include <algorithm>

#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind != sql::ChangeKind::create_table || c.temporary || c.columns.empty()) continue;  // PARTITION OF, LIKE
    std::vector<std::string> missing;
    for (const char* name : {"created_at", "updated_at"}) {
      if (std::none_of(c.columns.begin(), c.columns.end(), [&](const sql::ColumnSpec& col) { return col.name == name; })) {
        missing.emplace_back(name);
      }
    }
    if (missing.empty()) continue;
    std::string columns;
    for (const auto& m : missing) columns += (columns.empty() ? "  " : ",\n  ") + m + " timestamptz NOT NULL DEFAULT now()";
    ctx.report(c.offset, "table " + c.table.display() + " has no " + column_list(missing),
               "Without them nobody can tell when a row appeared or last changed, which audits and incident "
               "reviews need.",
               steps({"Add to the table definition:", columns}));
  }
}

}  // namespace

extern const RuleSpec k_timestamps{"lint.timestamps", "tables have created_at and updated_at",
                                   policy::Decision::allow, true, check, nullptr};

}  // namespace pgwarden::lint
