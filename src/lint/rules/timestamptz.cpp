// lint.timestamptz (convention): columns of type timestamp without time zone.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

bool naive(const std::string& type) { return type == "timestamp" || type.starts_with("timestamp(") || type == "timestamp[]"; }

void report(RuleContext& ctx, const sql::ObjectName& table, const sql::ColumnSpec& col, std::size_t offset) {
  ctx.report(offset, "column " + ident(col.name) + " of " + table.display() + " is timestamp without time zone",
             "A timestamp without time zone stores wall-clock time with no zone: the same instant reads differently "
             "from servers and sessions in other zones, and daylight-saving gaps make values ambiguous.",
             steps({"Store instants as timestamptz (kept in UTC):", "  " + ident(col.name) + " timestamptz"}));
}

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind == sql::ChangeKind::create_table && !c.temporary) {
      for (const auto& col : c.columns) {
        if (naive(col.type)) report(ctx, c.table, col, col.offset);
      }
    } else if ((c.kind == sql::ChangeKind::add_column || c.kind == sql::ChangeKind::alter_column_type) && naive(c.column.type)) {
      report(ctx, c.table, c.column, c.offset);
    }
  }
}

}  // namespace

extern const RuleSpec k_timestamptz{"lint.timestamptz", "timestamptz (UTC) over timestamp without time zone",
                                    policy::Decision::allow, true, check, nullptr};

}  // namespace pgwarden::lint
