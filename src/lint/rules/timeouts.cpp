#include "lint/rules/timeouts.hpp"

namespace pgwarden::lint {

const sql::SchemaChange* blocking_change(const RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (sql::blocks_writes(c.lock) && !c.table.empty() && ctx.existing(c.table)) return &c;
  }
  return nullptr;
}

}  // namespace pgwarden::lint
