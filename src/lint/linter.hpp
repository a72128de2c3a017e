// lint: migrations in, a report out (issue 3, items 2-4).
//
// Every statement of every migration goes through the analyzer and the policy engine (the same
// verdicts as `pgwarden check`), then through the migration-safety rules (rule.hpp). Each
// migration is one unit: what it creates is not protected within it; what an earlier migration
// created is. Approval comments are applied per statement. Reversibility is checked per layout.
//
// Parsing is the expensive part and runs in parallel across migrations; the rules then read
// the analyses in migration order, because their facts (a CHECK validated in an earlier file, an
// index created in a later one) cross files.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "lint/discover.hpp"
#include "lint/report.hpp"
#include "policy/policy.hpp"

namespace pgwarden::lint {

struct LintOptions {
  bool check_down = false;  // also lint the down scripts
  // Report findings only for these files (--changed-since); all files still teach the facts
  // that cross files. Empty: report every file.
  std::set<std::string> report_only;
  bool restrict_report = false;
  unsigned threads = 0;  // 0: one per core
};

class Linter {
 public:
  // Fails when the policy's [lint] section names a rule that does not exist (file, line, key).
  static Expected<Linter> create(std::shared_ptr<const policy::Policy> policy);

  [[nodiscard]] Report run(const std::vector<Migration>& migrations, const LintOptions& options) const;

  [[nodiscard]] const policy::Policy& policy() const { return *m_policy; }

 private:
  explicit Linter(std::shared_ptr<const policy::Policy> policy) : m_policy(std::move(policy)) {}
  std::shared_ptr<const policy::Policy> m_policy;
};

}  // namespace pgwarden::lint
