// lint.no-domain-logic (convention): triggers, functions and procedures carry domain logic out
// of the application's sight.
#include "lint/recipe.hpp"
#include "lint/rule.hpp"

namespace pgwarden::lint {
namespace {

void check(RuleContext& ctx) {
  for (const auto& c : ctx.statement.analysis->changes) {
    if (c.kind == sql::ChangeKind::create_trigger) {
      ctx.report(c.offset, "trigger " + ident(c.name) + " on " + c.table.display() + " runs logic the application cannot see",
                 "Triggers change rows as a side effect of other statements; reviews, tests and the ORM miss them.",
                 steps({"Keep domain logic in the application. If this trigger is plumbing (updated_at, audit), "
                        "approve it here: -- pgwarden:approve lint.no-domain-logic reason: <why>"}));
    } else if (c.kind == sql::ChangeKind::create_function) {
      const std::string what = c.procedure ? "procedure " : "function ";
      ctx.report(c.offset, what + c.name + " puts logic in the database",
                 "Code in the database is versioned, tested and deployed apart from the application.",
                 steps({"Keep domain logic in the application, or approve it here: "
                        "-- pgwarden:approve lint.no-domain-logic reason: <why>"}));
    }
  }
}

}  // namespace

extern const RuleSpec k_no_domain_logic{"lint.no-domain-logic", "no triggers or routines implementing domain logic",
                                        policy::Decision::allow, true, check, nullptr};

}  // namespace pgwarden::lint
