// lint: what a lint run found, independent of how it is shown (cli renders it as text, JSON,
// SARIF or GitHub annotations).
//
// A finding is located in a file at a 1-based line and column. Its `rule` is either a policy
// action ("drop_table": the policy engine's verdict, message and hint) or a migration-safety
// rule ("lint.index-concurrently"), or one of the lint door's own checks ("lint.approval",
// "history.edited", "lint.reversible").
#pragma once

#include <string>
#include <vector>

#include "policy/policy.hpp"

namespace pgwarden::lint {

enum class Severity : unsigned char { note, warning, error };
std::string_view to_string(Severity severity);

struct Finding {
  std::string rule;       // "drop_table", "lint.index-concurrently", "history.edited", ...
  Severity severity = Severity::error;
  policy::Decision decision = policy::Decision::deny;  // the decision that gave the severity
  std::string file;       // as the user named it; "-" for standard input
  int line = 1;           // 1-based
  int column = 1;         // 1-based, in characters
  std::size_t offset = 0; // byte offset in the file, for the caret
  std::string message;    // what is wrong, one sentence
  std::string detail;     // why: the policy and its document, or the lock and its cost
  std::string hint;       // the safe alternative, built from the statement itself; may be
                          // several lines (ordered steps, ready to paste)
  std::string statement;  // the statement's text (first 500 bytes), for context
  bool approved = false;  // an approval comment covered it (kept in the report, not counted)
  std::string approval_reason;
};

struct Report {
  std::vector<Finding> findings;    // in file order, then line order
  std::size_t files = 0;            // files read
  std::size_t migrations = 0;       // migrations linted
  std::size_t statements = 0;       // statements judged
  std::string policy_name;
  std::string policy_source;        // empty for the built-in defaults

  // error findings that are not approved: the run refuses (exit 1) when this is not zero.
  [[nodiscard]] std::size_t errors() const;
  [[nodiscard]] std::size_t warnings() const;
};

}  // namespace pgwarden::lint
