// What lint.lock-timeout and lint.statement-timeout share.
#pragma once

#include "lint/rule.hpp"

namespace pgwarden::lint {

// The statement's first change that takes a lock blocking writes on a table that existed before
// the migration; null when there is none.
const sql::SchemaChange* blocking_change(const RuleContext& ctx);

}  // namespace pgwarden::lint
