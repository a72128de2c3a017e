// lint.primary-key-using-index: ADD PRIMARY KEY without USING INDEX builds the index under an ACCESS EXCLUSIVE lock.
#include "lint/rules/using_index.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) { check_using_index(ctx, sql::ConstraintType::primary_key); }

}  // namespace

extern const RuleSpec k_primary_key_using_index{"lint.primary-key-using-index",
    "ADD PRIMARY KEY without USING INDEX builds the index under an ACCESS EXCLUSIVE lock", policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
