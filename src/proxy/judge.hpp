// The proxy's use of the analyzer and the policy engine: one client message's SQL text in, a
// verdict for the whole message out, with the refusal PostgreSQL-style (message, detail, hint,
// position) and a record of every refused or warned statement.
//
// The routines a message runs without naming them (user functions it calls, triggers on the
// tables it writes to, up to a depth of three) are judged too, from the catalog: when one is not
// cached yet, the judgement asks for a lookup instead (Judgement::lookups).
//
// A message is judged whole: the statements of a simple Query run as one unit on the server, so
// one refused statement refuses the message and nothing of it is sent. The unit state (tables
// the session created or renamed) is updated only when the whole message is allowed; a refused
// message leaves it as it was, because nothing of it ran.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.hpp"
#include "proxy/catalog.hpp"
#include "policy/evaluator.hpp"
#include "proxy/replies.hpp"
#include "sql/analyzer.hpp"

namespace pgwarden::proxy {

class Metrics;

// Who is connected, for the policy profile and the record.
struct ConnectionInfo {
  std::uint64_t id = 0;
  std::string user;
  std::string database;
  std::string application;
  std::string client_address;
  std::string profile;  // the [[profiles]] entry the connection is judged by; empty for none
};

struct Judgement {
  // Not judged yet: the routines the message runs must be looked up first (then judge again).
  std::vector<RoutineKey> lookups;
  bool refused = false;
  RefusalText refusal;          // when refused
  // An allowed statement created or renamed something: the unit state before it, to go back to
  // if the server fails the message.
  std::shared_ptr<const policy::UnitState> unit_before;
};

// What a judge needs besides the text; shared by all sessions, safe across threads.
struct JudgeContext {
  sql::Analyzer* analyzer = nullptr;
  audit::RecordSink* record = nullptr;  // null: no record configured
  Metrics* metrics = nullptr;           // null: not counted
  RoutineCatalog* catalog = nullptr;    // null: routine bodies are not looked up
};

// Judges `text` as one unit of the session. `unit` is updated when the message is allowed.
Judgement judge(const JudgeContext& context, policy::Evaluator& evaluator, const ConnectionInfo& connection,
                std::string_view text, bool standard_conforming_strings, policy::UnitState& unit);

// A record of this connection, for a door's own fields to be filled in.
audit::Record connection_record(const ConnectionInfo& connection);

// The 1-based character position (UTF-8) of byte `offset` in `text`, as ErrorResponse's P wants it.
std::size_t character_position(std::string_view text, std::size_t offset);

}  // namespace pgwarden::proxy
