// The proxy's use of the analyzer and the policy engine: one client message's SQL text in, a
// verdict for the whole message out, with the refusal PostgreSQL-style (message, detail, hint,
// position) and a record of every refused or warned statement.
//
// The routines a message runs without naming them (user functions it calls, triggers on the
// tables it writes to, up to a depth of three) are judged too, from the catalog: when one is not
// cached yet, the judgement asks for a lookup instead (Judgement::lookups).
//
// A message is judged whole: the statements of a simple Query run as one unit on the server, so
// one refused statement refuses the message and nothing of it is sent. The judgement never
// changes the session's unit state: it hands back the statements that would (Judgement::changes),
// and the session records them once the server has run them (session.hpp).
//
// The text is read as the server reads it: under a client_encoding other than UTF8 the server
// converts the bytes before it lexes them, so the judge converts them too (common/encoding.hpp);
// text in an encoding it cannot convert is judged as such, and the engine refuses what it cannot
// read.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/record.hpp"
#include "proxy/catalog.hpp"
#include "proxy/relations.hpp"
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
  // The message's statements, analyzed (as the server will read them).
  std::optional<sql::Statements> statements;
  // Set when recording them changes a unit (creates, renames, drops, links, settings,
  // transaction control): the session records them once the server has run them.
  bool changes = false;
  // Set when they change the database's relations (DDL): the relation catalog is read again
  // once the server has run them.
  bool ddl = false;
  // The relation catalog is due for a refresh: read it in the background (this judgement used
  // the one there is).
  bool refresh_relations = false;
  // The search_path ALTER DATABASE / ROLE gives the connection (its startup packet set none),
  // when the judgement read it: the session keeps it as its own.
  std::optional<std::vector<std::string>> configured_search_path;
  std::optional<bool> user_schema_exists;  // changed: whether a schema is named after the role
};

// How the session reads a message's text, as the server will.
struct Reading {
  // std::nullopt: a change of it is in flight, so the text is judged both ways.
  std::optional<bool> standard_conforming_strings = true;
  std::string client_encoding = "UTF8";  // the session's when the server reads the message; "" unknown
};

// What a judge needs besides the text; shared by all sessions, safe across threads.
struct JudgeContext {
  sql::Analyzer* analyzer = nullptr;
  audit::RecordSink* record = nullptr;  // null: no record configured
  Metrics* metrics = nullptr;           // null: not counted
  RoutineCatalog* catalog = nullptr;    // null: routine bodies are not looked up
  RelationCatalogs* relations = nullptr;  // null: names are judged as the unit resolves them
};

// Judges `text` as one unit of the session, starting from `unit` (left as it is).
Judgement judge(const JudgeContext& context, policy::Evaluator& evaluator, const ConnectionInfo& connection,
                std::string_view text, const Reading& reading, const policy::UnitState& unit);
// Judges statements analyzed before (a prepared statement, at Bind), starting from `unit`.
// Refusals point at no position.
Judgement judge_statements(const JudgeContext& context, policy::Evaluator& evaluator,
                           const ConnectionInfo& connection, const sql::Statements& statements,
                           const policy::UnitState& unit);

// A record of this connection, for a door's own fields to be filled in.
audit::Record connection_record(const ConnectionInfo& connection);

// The 1-based character position (UTF-8) of byte `offset` in `text`, as ErrorResponse's P wants it.
std::size_t character_position(std::string_view text, std::size_t offset);

}  // namespace pgwarden::proxy
