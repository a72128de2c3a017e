// lint.unique-using-index: ADD UNIQUE without USING INDEX builds the index under an ACCESS EXCLUSIVE lock.
#include "lint/rules/using_index.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) { check_using_index(ctx, sql::ConstraintType::unique); }

}  // namespace

extern const RuleSpec k_unique_using_index{"lint.unique-using-index",
    "ADD UNIQUE without USING INDEX builds the index under an ACCESS EXCLUSIVE lock", policy::Decision::approve, false, check, nullptr};

}  // namespace pgwarden::lint
