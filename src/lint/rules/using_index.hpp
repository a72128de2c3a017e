// The check lint.unique-using-index and lint.primary-key-using-index share.
#pragma once

#include "lint/rule.hpp"

namespace pgwarden::lint {

void check_using_index(RuleContext& ctx, sql::ConstraintType type);

}  // namespace pgwarden::lint
