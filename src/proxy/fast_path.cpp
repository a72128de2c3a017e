#include "proxy/fast_path.hpp"

#include <array>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace pgwarden::proxy {
namespace {

// PostgreSQL 15's utils/fmgroids.h: the functions libpq's fast path calls.
constexpr std::array<std::pair<std::uint32_t, std::string_view>, 20> k_fast_path_functions{{
    {715, "lo_create"}, {764, "lo_import"}, {765, "lo_export"}, {767, "lo_import"},
    {952, "lo_open"}, {953, "lo_close"}, {954, "loread"}, {955, "lowrite"},
    {956, "lo_lseek"}, {957, "lo_creat"}, {958, "lo_tell"}, {964, "lo_unlink"},
    {1004, "lo_truncate"}, {3170, "lo_lseek64"}, {3171, "lo_tell64"}, {3172, "lo_truncate64"},
    {3457, "lo_from_bytea"}, {3458, "lo_get"}, {3459, "lo_get"}, {3460, "lo_put"},
}};

}  // namespace

Judgement judge_fast_path(const JudgeContext& context, policy::Evaluator& evaluator, const ConnectionInfo& connection,
                          std::uint32_t oid, const policy::UnitState& unit) {
  for (const auto& [known, name] : k_fast_path_functions) {
    if (known == oid) {
      const std::string text = fmt::format("SELECT pg_catalog.{}()", name);
      Judgement j = judge(context, evaluator, connection, text, Reading{}, unit);
      j.refusal.position = 0;  // there is no query string to point into
      return j;
    }
  }
  Judgement j;
  j.refused = true;
  j.refusal.message = fmt::format("pgwarden: destructive_function: fast-path call of function OID {}", oid);
  j.refusal.detail =
      "pgwarden judges fast-path calls of the large-object functions it can name; a call of any other "
      "function by OID cannot be judged, so it is refused.";
  j.refusal.hint = "Call the function with SELECT or CALL, so that its name and arguments can be judged.";
  if (context.record != nullptr) {
    audit::Record r = connection_record(connection);
    r.statement = fmt::format("FunctionCall oid={}", oid);
    r.action = "destructive_function";
    r.decision = "deny";
    r.refused = true;
    r.rule = "fast-path calls of unidentified functions are refused";
    context.record->write(std::move(r));
  }
  return j;
}

}  // namespace pgwarden::proxy
