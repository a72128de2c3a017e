// libFuzzer target: text → split → parse → analyze → evaluate, under ASan and UBSan.
// The first byte picks the lexical options and the policy; the rest is the SQL text.
// Besides crashes, it traps when an invariant a user relies on breaks.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/evaluate.hpp"
#include "policy/load.hpp"
#include "sql/analyzer.hpp"

namespace {

using namespace pgwarden;

constexpr std::string_view k_policy = R"(
[policy]
name = "Fuzz Policy"
document = "docs/FUZZ.md"
[columns]
immutable = ["id", "created_at"]
[[tables]]
name = "ledger_*"
append_only = true
immutable = ["amount"]
hint = "Use a reversal entry."
[[tables]]
name = "users"
soft_delete = "deleted_at"
mutable = ["email", "deleted_at"]
[[tables]]
name = "accounts"
soft_delete = { column = "status", value = "'DELETED'" }
[[tables]]
name = "sessions"
actions = { delete_all = "allow", truncate = "allow" }
)";

void check(bool ok) {
  if (!ok) __builtin_trap();
}

const policy::Policy& table_policy() {
  static const policy::Policy p = [] {
    auto loaded = policy::parse_policy(k_policy, "fuzz.toml");
    check(loaded.has_value());
    return *loaded;
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  sql::AnalyzeOptions options;
  options.standard_conforming_strings = (mode & 1U) == 0;
  options.psql_meta_commands = (mode & 2U) != 0;
  static const policy::Policy defaults = policy::Policy::defaults();
  const policy::Policy& pol = (mode & 4U) != 0 ? table_policy() : defaults;

  const auto statements = sql::analyze(text, options);
  policy::UnitState unit;
  for (const auto& st : statements) {
    check(!st.effects().empty());
    check(st.location.offset + st.location.length <= text.size());
    check(st.location.line >= 1 && st.location.column >= 1);
    const auto verdict = policy::evaluate(st, pol, unit);
    policy::Decision strictest = policy::Decision::allow;
    for (const auto& f : verdict.findings) strictest = std::max(strictest, f.decision);
    check(verdict.decision == strictest);
    // A statement that does not parse is never waved through by the defaults.
    if (st.is_parse_error() && &pol == &defaults) check(policy::refuses(verdict.decision));
  }

  // The cache hands out what the uncached analysis computes.
  static sql::Analyzer cached(64);
  const auto again = cached.analyze(text, options);
  check(again.size() == statements.size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    check(again[i].effects().size() == statements[i].effects().size());
    for (std::size_t k = 0; k < again[i].effects().size(); ++k) {
      check(again[i].effects()[k].action == statements[i].effects()[k].action);
    }
  }
  return 0;
}
