// lint.statement-timeout: a statement that takes a lock blocking writes on an existing table,
// with no statement_timeout set before it.
#include "lint/rules/timeouts.hpp"

#include "lint/recipe.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  if (ctx.facts.statement_timeout) return;
  const auto* c = blocking_change(ctx);
  if (c == nullptr) return;
  ctx.report(c->offset,
             "holds " + std::string(sql::to_string(c->lock)) + " on " + c->table.display() +
                 " with no statement_timeout set",
             "A statement that runs longer than expected (a scan, a rewrite, a build) keeps the lock for all of it.",
             steps({"Bound it:", "  SET statement_timeout = '5min';"}));
}

}  // namespace

extern const RuleSpec k_statement_timeout{"lint.statement-timeout",
                                          "a blocking lock is taken with no statement_timeout set before it",
                                          policy::Decision::warn, false, check, nullptr};

}  // namespace pgwarden::lint
