// Rendering verdicts: text that reads like PostgreSQL's own errors (ERROR/DETAIL/HINT with the
// statement line and a caret), and the JSON of DESIGN.md's check contract.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "policy/evaluate.hpp"
#include "sql/statement.hpp"

namespace pgwarden::cli {

struct Judged {
  sql::Statement statement;
  policy::Verdict verdict;
};

struct TextStyle {
  bool color = false;
  bool verbose = false;  // also list allowed statements
};

// Every finding of every statement, PostgreSQL style, then a one-line summary.
std::string render_text(std::string_view source_text, const std::vector<Judged>& judged, const policy::Policy& policy,
                        const TextStyle& style);

nlohmann::json render_json(const std::vector<Judged>& judged, const policy::Policy& policy);

policy::Decision overall(const std::vector<Judged>& judged);

}  // namespace pgwarden::cli
