// The red-team corpus (tests/corpus/redteam/proxy.tsv), shared by the two doors it is run
// against: the proxy (tests/unit/proxy/redteam_test.cpp) and db protect
// (tests/unit/db/redteam_test.cpp). One line is one scenario: a policy (`demo` is the proxy
// fixture's, else a file in policies/), SQL the server gets directly before the attack (as a
// migration run elsewhere would), extra conninfo for the attacker's first connection, the
// attack, and a check run directly on the server with the value it must give.
//
// The attack's steps are separated by ` ;; `; each is one Query on the first connection, unless
// tagged: `[2]` on a second connection, `[pipe] a | b | ...` statements sent in libpq's pipeline
// mode, each in a sync segment of its own, without waiting for the answers. ${PORT} and ${DB} in
// the setup and the check stand for the server's port and the scenario's database. A check may
// give alternatives separated by ` ||| `: the first that runs gives the value (a door that
// refused a rename leaves the table under its old name, one that allowed it, under the new).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/proxy_fixture.hpp"

namespace pgwarden::test {

struct RedTeamScenario {
  int line = 0;
  std::string name, policy, setup, connect, attack, check, expected, why;
  [[nodiscard]] bool malformed() const { return why.rfind("MALFORMED", 0) == 0; }
};

// For gtest's messages: the scenario, not its bytes.
void PrintTo(const RedTeamScenario& s, std::ostream* os);

std::filesystem::path redteam_dir();
std::vector<RedTeamScenario> load_redteam();
// The text of the scenario's policy.
std::string redteam_policy(const std::string& name);
// `text` with ${PORT} and ${DB} filled in.
std::string redteam_fill(std::string text, int port, const std::string& database);

// The value of the scenario's check, run directly on `cluster`; the error text when no
// alternative runs.
std::string redteam_check(const PgCluster& cluster, const std::string& check, const std::string& database);

// A door's known limits (db-limits.tsv, proxy-limits.tsv: a scenario's name, a tab, why the
// door cannot hold it), by name; a line without a reason gets one starting with MALFORMED.
std::map<std::string, std::string> redteam_limits(const std::string& file);

// The verdict on a scenario for a door: the check must give the expected value, unless the
// door lists the scenario as a known limit, in which case it must still break (a limit lifted
// is taken off the list).
::testing::AssertionResult redteam_verdict(const RedTeamScenario& s, const std::string& got,
                                           const std::map<std::string, std::string>& limits,
                                           const std::string& limits_file, const std::string& log);

// Runs the attack's steps on connections `connect(extra conninfo)` opens (the first with the
// scenario's own conninfo); returns what each step got, for the failure message.
std::string run_attack(const RedTeamScenario& s, const std::string& attack,
                       const std::function<PgConn(const std::string& extra)>& connect);

}  // namespace pgwarden::test
