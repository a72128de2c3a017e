#include "proxy/engine.hpp"

#include <algorithm>

#include "policy/table_match.hpp"

namespace pgwarden::proxy {

Engine::Engine(std::shared_ptr<const policy::Policy> policy)
    : m_policies(std::move(policy)), m_base(std::make_shared<policy::Evaluator>(m_policies.base(), true)) {
  for (std::size_t i = 0; i < m_policies.base()->profiles.size(); ++i) {
    m_profiles.push_back(std::make_shared<policy::Evaluator>(m_policies.for_profile(i), true));
  }
}

bool Engine::protects(const sql::ObjectName& name) const { return policy::match_tables(policy(), name).matched; }

bool Engine::protects_column(const sql::ObjectName& table, const std::string& column) const {
  const policy::TableView view = policy::match_tables(policy(), table);
  if (view.mutable_columns != nullptr) return true;
  if (std::find(view.immutable.begin(), view.immutable.end(), column) != view.immutable.end()) return true;
  return std::any_of(policy().profiles.begin(), policy().profiles.end(), [&](const policy::Profile& p) {
    if (!p.writable) return false;
    const policy::WritableView w = policy::match_writable(*p.writable, table);
    return w.writable && !w.every_column;
  });
}

Admission Engine::admit(const ConnectionInfo& info, bool replication) const {
  policy::ConnectionAttributes attrs{info.user, info.database, info.application, info.client_address, replication};
  const policy::ConnectionPolicy chosen = m_policies.for_connection(attrs);
  Admission a;
  a.allowed = chosen.admitted;
  a.why = chosen.refusal;
  a.profile = chosen.profile;
  a.evaluator = chosen.profile_index ? m_profiles[*chosen.profile_index] : m_base;
  a.superuser = !chosen.profile_index || m_policies.base()->profiles[*chosen.profile_index].superuser;
  return a;
}

}  // namespace pgwarden::proxy
