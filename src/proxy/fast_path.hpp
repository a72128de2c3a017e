// The fast-path FunctionCall message carries a function OID, not SQL. libpq's large-object API
// uses it (lo_unlink, lo_truncate, ...). The functions it is used for are built in, and built-in
// OIDs are fixed by PostgreSQL's catalog (utils/fmgroids.h), so the proxy names them and judges
// the call as the equivalent SELECT, with the same analyzer and policy as any statement. A call of
// any other OID is refused: the proxy cannot tell what it would do.
#pragma once

#include <cstdint>

#include "proxy/judge.hpp"

namespace pgwarden::proxy {

Judgement judge_fast_path(const JudgeContext& context, policy::Evaluator& evaluator, const ConnectionInfo& connection,
                          std::uint32_t oid, const policy::UnitState& unit);

}  // namespace pgwarden::proxy
