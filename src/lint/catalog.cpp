// Every migration-safety rule, in the order reports and docs list them. A rule file defines its
// RuleSpec; this list is the only place that names them all.
#include <algorithm>

#include "lint/rule.hpp"

namespace pgwarden::lint {

extern const RuleSpec k_index_concurrently, k_drop_index_concurrently, k_concurrently_in_transaction,
    k_constraint_not_valid, k_validate_same_transaction, k_unique_using_index, k_primary_key_using_index,
    k_exclusion_constraint, k_set_not_null, k_volatile_default, k_add_required_column, k_rewrite_column,
    k_alter_column_type, k_rename, k_lock_timeout, k_statement_timeout, k_transaction_nesting, k_idempotent_ddl,
    k_reindex_concurrently, k_refresh_matview_concurrently, k_repack, k_partition, k_fk_missing_index,
    k_timestamptz, k_timestamps, k_primary_key_type, k_no_domain_logic, k_on_delete_cascade;

// The lint door's own checks: no per-statement function, the linter runs them.
const RuleSpec k_reversible{"lint.reversible", "every up migration has a down where the layout has them",
                            policy::Decision::approve, false, nullptr, nullptr};
const RuleSpec k_approval{"lint.approval", "approval comments name a known action, give a reason and match a statement",
                          policy::Decision::deny, false, nullptr, nullptr};

const std::vector<const RuleSpec*>& all_rules() {
  static const std::vector<const RuleSpec*> rules = {
      &k_index_concurrently, &k_drop_index_concurrently, &k_concurrently_in_transaction, &k_constraint_not_valid,
      &k_validate_same_transaction, &k_unique_using_index, &k_primary_key_using_index, &k_exclusion_constraint,
      &k_set_not_null, &k_volatile_default, &k_add_required_column, &k_rewrite_column, &k_alter_column_type,
      &k_rename, &k_lock_timeout, &k_statement_timeout, &k_transaction_nesting, &k_idempotent_ddl,
      &k_reindex_concurrently, &k_refresh_matview_concurrently, &k_repack, &k_partition, &k_fk_missing_index,
      &k_reversible, &k_approval, &k_timestamptz, &k_timestamps, &k_primary_key_type, &k_no_domain_logic,
      &k_on_delete_cascade,
  };
  return rules;
}

const RuleSpec* find_rule(std::string_view id) {
  const auto& rules = all_rules();
  const auto it = std::find_if(rules.begin(), rules.end(), [&](const RuleSpec* r) {
    return r->id == id || (!id.starts_with("lint.") && r->id.substr(5) == id);
  });
  return it == rules.end() ? nullptr : *it;
}

}  // namespace pgwarden::lint
