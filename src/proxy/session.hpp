// One client connection's protocol state machine: frames in, actions out. No sockets here; the
// Asio layer (proxy/connection.cpp) feeds bytes and carries out what the session asks for.
//
// Client to server, every message is judged or passed according to the protocol phase:
//   - simple Query: judged whole; a refusal sends nothing of it to the server;
//   - extended protocol: judged at Parse; the verdict is remembered per statement name (and for
//     the unnamed statement), so a Bind to a refused statement is refused too; after a refusal
//     the session drops the client's messages until Sync, as PostgreSQL does after an error;
//   - FunctionCall (fast path) is judged by the function's OID; COPY is judged by its statement.
// A refusal is put where the server would have produced its error: the session sends the server
// a "poison" Bind naming a statement that cannot exist. The server fails it (or answers 25P02
// inside an aborted transaction), discards until Sync, rolls back an implicit transaction, and
// aborts an explicit one, so COMMIT then becomes ROLLBACK and ROLLBACK TO SAVEPOINT recovers,
// exactly as after a real error. The session swallows the poison's error by its position in the
// queue of expected responses and puts its own 42501 in its place. When the session is idle and
// nothing is in flight, a refused Query is answered locally (no poison, no server round trip).
//
// Server to client, rows are relayed without being decoded: the session reads message headers to
// keep the queue of expected responses, the transaction status of ReadyForQuery, and from
// ParameterStatus standard_conforming_strings and client_encoding (how the server reads the
// client's text) and is_superuser (a profile may refuse superuser sessions).
//
// Unit state changes only when the server has run what changes it. Messages are sent in sync
// segments (everything up to a Sync, or one Query); a segment's statements that change the unit
// (what Execute ran, or the Query's) are recorded once its ReadyForQuery comes: as they are when
// no error came first, else only what makes protection stricter (renames). Until then, later
// messages are judged as if what the earlier segments create had not happened. A prepared
// statement judged in one state and bound in another is judged again at Bind: PostgreSQL
// resolves its names again when the search path or a relation it names changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/evaluator.hpp"
#include "proxy/judge.hpp"
#include "proxy/wire/messages.hpp"

namespace pgwarden::proxy {

struct SessionLimits {
  std::size_t max_message_bytes = std::size_t{64} << 20;  // a client message above this closes the session
  std::size_t max_startup_bytes = 10000;                   // PostgreSQL's own limit for the startup packet
};

// What the Asio layer does after a call. Buffers are appended to; the layer drains them.
struct Output {
  std::string to_client;
  std::string to_server;
  bool start_client_tls = false;  // send to_client ('S'), then run the TLS handshake with the client
  bool connect_upstream = false;  // the startup packet is in to_server: open the server connection
  std::string cancel_request;     // forward these bytes on a new server connection, close the client
  // Look these routines up (RoutineCatalog), then call Session::resume: the session holds the
  // client's messages from the one that needs them on.
  std::vector<RoutineKey> lookups;
  bool refresh_relations = false; // read the database's relations again, without waiting for them
  bool close = false;             // send to_client, then close both sides
};

// Decides, at startup, which policy judges the connection (profiles) and whether it may connect.
struct Admission {
  bool allowed = true;
  std::string why;  // when refused
  std::shared_ptr<policy::Evaluator> evaluator;
  std::string profile;
  bool superuser = true;  // false: a session the server reports as superuser is closed
};
using Admit = std::function<Admission(const ConnectionInfo&, bool replication)>;

class Session {
 public:
  Session(JudgeContext context, Admit admit, ConnectionInfo info, SessionLimits limits, bool client_tls_available);

  void on_client_data(std::string_view data, Output& out);
  void on_server_data(std::string_view data, Output& out);
  // The client's TLS handshake is done; the next bytes are the startup packet, encrypted.
  void on_client_tls_ready() { m_awaiting_tls = false; }
  // The lookups the last call asked for are in the catalog (or failed there): go on.
  void resume(Output& out);
  // The server connection failed or closed.
  void on_server_lost(std::string_view why, Output& out);

  // A reloaded policy: the evaluator for this session's profile under the new policy.
  void set_evaluator(std::shared_ptr<policy::Evaluator> evaluator) { m_evaluator = std::move(evaluator); }

  [[nodiscard]] char transaction_status() const { return m_status; }
  [[nodiscard]] bool ready() const { return m_phase == Phase::ready; }
  // No complete startup packet yet (or the TLS handshake before it).
  [[nodiscard]] bool awaiting_startup() const { return m_phase == Phase::startup; }
  [[nodiscard]] bool idle() const { return m_phase == Phase::ready && m_expected.empty(); }
  [[nodiscard]] const ConnectionInfo& info() const { return m_info; }
  [[nodiscard]] bool replication() const { return m_replication; }

 private:
  enum class Phase : unsigned char { startup, authenticating, ready, closed };
  // What the server will answer, in order (PgBouncer's outstanding-request queue).
  enum class Expect : unsigned char {
    startup,      // ends at ReadyForQuery
    query,        // a simple Query or FunctionCall: ends at ReadyForQuery
    sync,         // ends at ReadyForQuery
    parse, bind, describe, execute, close,  // end at their completion message
    poison,       // a refused extended message: ends at the server's error, which is swallowed
    poison_sync,  // a refused Query/FunctionCall: poison Bind + Sync, ends at ReadyForQuery
  };
  struct Pending {
    Expect kind;
    std::string refusal;  // poison kinds: the ErrorResponse the client gets instead
    std::chrono::steady_clock::time_point started;
    std::string statement;  // parse: the statement's name
  };
  // What the server runs between two ReadyForQuery: the statements that change the unit state,
  // in the order they run, and whether an error came.
  struct Segment {
    std::vector<sql::Statements> changes;
    std::vector<sql::Statements> uncertain;  // which of several statements ran is not known: strictly
    bool failed = false;
    bool ddl = false;  // it changes relations: the catalogs read them again once it has run
  };
  // A statement the server holds (named, or "" unnamed): its analysis, for Execute and Bind.
  // Usually one; a name Parsed again while the server may still hold it has each, until the
  // server's answers tell which (PostgreSQL refuses a name that exists: 42P05).
  struct Alternative {
    std::optional<sql::Statements> statements;
    bool changes = false;     // running it changes the unit state
    bool unit_bore = false;   // the unit bore on its judgement: judged again at Bind
    bool ddl = false;         // running it changes relations
    bool confirmed = false;   // the server answered ParseComplete
  };
  struct Prepared {
    std::vector<Alternative> alternatives;
  };

  void client_startup(Output& out);
  void client_messages(Output& out);
  enum class Step : unsigned char { next, blocked, closed };
  Step client_message(char type, std::string_view body, Output& out);
  void refuse(const RefusalText& text, bool ends_with_sync, Output& out);
  // What a judgement learnt besides its verdict, whatever comes of it: a relation refresh to
  // start, the search path the database and role give the session.
  void absorb(const Judgement& j, Output& out);
  std::optional<Step> stops(Judgement& j, bool ends_with_sync, Output& out);
  // To the server, with no response of its own (Flush, CopyDone, a password, ...).
  void pass(char type, std::string_view body, Output& out);
  // To the server, and what it will answer goes into the queue of expected responses.
  void forward(char type, std::string_view body, Expect expect, Output& out);
  void fatal(void (*reply)(std::string&, std::string_view), std::string_view why, Output& out);
  // The startup packet's settings (its parameters and `options`), judged as the SETs they are.
  bool judge_startup_settings(const wire::StartupPacket& packet, Output& out);

  // The unit state later messages are judged in: the confirmed one, with what the segments in
  // flight may do (strictly) and what the open segment has run so far.
  [[nodiscard]] policy::UnitState judging_state() const;
  [[nodiscard]] Reading reading(const policy::UnitState& state) const;
  // True when the state could change how the statements are judged (policy::UnitState::bears_on).
  [[nodiscard]] bool bears_on(const policy::UnitState& state, const sql::Statements& statements) const;
  // The segment the server is working on (where its error belongs).
  Segment& current_segment() { return m_in_flight.empty() ? m_open : m_in_flight.front(); }
  void close_segment();

  void server_message(char type, std::string_view body, Output& out);
  void server_error(std::string_view body, Output& out);
  void server_ready(char status, Output& out);
  void server_completion(char type);

  JudgeContext m_context;
  Admit m_admit;
  ConnectionInfo m_info;
  SessionLimits m_limits;
  bool m_client_tls_available;
  std::shared_ptr<policy::Evaluator> m_evaluator;
  bool m_superuser_allowed = true;
  policy::UnitState m_unit;  // as confirmed by the server
  Segment m_open;                  // sent since the last Sync or Query
  std::deque<Segment> m_in_flight;  // closed by a Sync or a Query, waiting for ReadyForQuery
  std::unordered_map<std::string, Prepared> m_prepared;  // by statement name
  std::unordered_map<std::string, std::string> m_portals;  // portal -> statement name
  std::optional<std::string> m_reported_encoding;  // ParameterStatus since the last ReadyForQuery

  Phase m_phase = Phase::startup;
  bool m_awaiting_tls = false;
  bool m_replication = false;
  char m_status = 'I';
  bool m_standard_strings = true;
  bool m_discarding = false;       // after a refusal: drop client messages until Sync
  bool m_blocked = false;          // waiting for routine lookups (Output::lookups)
  bool m_unnamed_refused = false;  // the last unnamed Parse was refused
  std::unordered_map<std::string, RefusalText> m_refused_statements;  // named statements judged refused
  RefusalText m_unnamed_refusal;
  std::uint64_t m_poisons = 0;
  bool m_server_fatal = false;     // the server sent a FATAL error: it closes, and said why
  std::deque<Pending> m_expected;

  std::string m_client_in;         // an incomplete client message
  std::uint64_t m_client_stream = 0;  // bytes of a CopyData body still to pass (or drop)
  bool m_client_stream_drop = false;
  std::string m_server_in;         // an incomplete server message header or a body it needs whole
  std::uint64_t m_server_stream = 0;  // bytes of a server message body still to relay (or drop)
  bool m_server_stream_drop = false;
};

}  // namespace pgwarden::proxy
