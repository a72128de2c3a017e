// hook/outcome: what the hook decided about one command string, before any agent's protocol
// shapes it into an answer.
#pragma once

#include <string>
#include <vector>

namespace pgwarden::hook {

// From mild to strict; the order is the comparison. `ask` is "a human must decide": a policy
// decision of `approve`, SQL that cannot be known (a variable, a missing file), or a command
// touching a database tool that could not be parsed.
enum class Verdict : unsigned char { allow, warn, ask, deny };

const char* to_string(Verdict verdict);

// One reason behind the verdict: a destructive tool command, or a refused SQL statement.
struct Reason {
  Verdict verdict = Verdict::deny;
  std::string command;      // the segment of the command string it concerns, as written
  std::string what;         // what it would destroy and which rule says no
  std::string alternative;  // the non-destructive alternative for this very command
  std::string rule;         // "tool:prisma-migrate-reset", "policy:drop_table", "unknown-sql", ...
};

struct Outcome {
  Verdict verdict = Verdict::allow;  // the strictest of the reasons' (allow when none)
  std::vector<Reason> reasons;
  std::string policy_name;  // cited in the answer
  std::string policy_document;

  void add(Reason reason);
};

// The text an agent or a person reads: the verdict in one line citing the policy, then each
// reason with its alternative and, when refused, that only a human can approve (consent
// written into the command is not consent). No newline after the last line. At most `limit` bytes
// (Claude caps hook output at 10,000 characters), cut at a line end with a note of how many reasons
// were left out.
std::string describe(const Outcome& outcome, std::size_t limit = 9000);

}  // namespace pgwarden::hook
