// lint.lock-timeout: a statement that takes a lock blocking writes on an existing table, with no
// lock_timeout set before it.
#include "lint/rules/timeouts.hpp"

#include "lint/recipe.hpp"

namespace pgwarden::lint {

namespace {

void check(RuleContext& ctx) {
  if (ctx.facts.lock_timeout) return;
  const auto* c = blocking_change(ctx);
  if (c == nullptr) return;
  ctx.report(c->offset,
             "takes " + std::string(sql::to_string(c->lock)) + " on " + c->table.display() +
                 " with no lock_timeout set",
             "If another session holds a conflicting lock, this statement waits for it, and every query on " +
                 c->table.display() + " queues behind it: the application stalls until the lock is granted.",
             steps({"Set a lock_timeout first, and retry the migration when it times out:",
                    "  SET lock_timeout = '5s';"}));
}

}  // namespace

extern const RuleSpec k_lock_timeout{"lint.lock-timeout",
                                     "a blocking lock is taken with no lock_timeout set before it",
                                     policy::Decision::warn, false, check, nullptr};

}  // namespace pgwarden::lint
