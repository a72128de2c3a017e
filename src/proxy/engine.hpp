// The immutable policy snapshot connections judge by: the policy with one derived policy per
// [[profiles]] entry (policy::ProfiledPolicies), and one evaluator, with its verdict cache, for
// each. A reload builds a new Engine and swaps it in; a connection picks it up before its next
// message.
#pragma once

#include <memory>
#include <vector>

#include "policy/evaluator.hpp"
#include "policy/profile.hpp"
#include "proxy/session.hpp"

namespace pgwarden::proxy {

class Engine {
 public:
  explicit Engine(std::shared_ptr<const policy::Policy> policy);
  // The evaluator and profile for a connection; refuses replication unless its profile allows it.
  [[nodiscard]] Admission admit(const ConnectionInfo& info, bool replication) const;
  [[nodiscard]] const policy::Policy& policy() const { return *m_policies.base(); }
  // True when a [[tables]] entry names the relation (its protection then follows its identity).
  [[nodiscard]] bool protects(const sql::ObjectName& name) const;
  // True when the policy protects this column of the table by its name: immutable, or any column
  // of a table with a mutable list or of one a profile's writable names by columns.
  [[nodiscard]] bool protects_column(const sql::ObjectName& table, const std::string& column) const;

 private:
  policy::ProfiledPolicies m_policies;
  std::shared_ptr<policy::Evaluator> m_base;
  std::vector<std::shared_ptr<policy::Evaluator>> m_profiles;  // index: Policy::profiles
};

}  // namespace pgwarden::proxy
