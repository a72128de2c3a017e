// hook/protocol: the agents' hook protocols (../shared/notes/agent-hooks.md, docs/hook.md).
//
// In: the bytes an agent writes on the hook's standard input. Out: the command to judge, and,
// for an Outcome, the exact stdout, stderr and exit code that agent expects. Knows nothing of
// shells, SQL or policies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "hook/outcome.hpp"

namespace pgwarden::hook {

enum class Agent : unsigned char { plain, claude, codex, gemini, cursor, copilot, cline };

const char* to_string(Agent agent);
std::optional<Agent> agent_from_string(std::string_view name);

struct Request {
  Agent agent = Agent::plain;
  bool shell = true;    // the tool call runs a shell command; false: another tool, let it pass
  std::string command;  // the shell command string
  std::string cwd;      // where it runs ("" when the agent did not say)
  std::string tool;     // the tool's name as the agent sent it (for messages)
};

// Reads an agent's JSON. The agent is `forced` when given (--agent), otherwise detected from
// the input's shape: hook_event_name "PreToolUse" + tool_input (Claude; Codex when it carries
// `turn_id` or `model`), "BeforeTool" (Gemini), `toolArgs` (Copilot; a JSON string or an
// object), `preToolUse.parameters` (Cline), `conversation_id` + top-level `command` (Cursor;
// also `conversation_id` + `tool_input`, Cursor's later preToolUse event).
// Unknown fields are ignored. Input that is not JSON or has no recognisable shape is an Error.
// Forced to `plain`, the input is not JSON but the command itself (trailing newlines dropped).
Expected<Request> parse_request(std::string_view input, std::optional<Agent> forced);

struct Response {
  std::string out;  // standard output
  std::string err;  // standard error
  int exit_code = 0;
};

// The answer in `agent`'s protocol. allow and warn let the command run (silent for allow;
// a warning is shown where the protocol has a place for it); ask and deny as each agent can
// express them (an agent without "ask" gets deny, saying a human must run it). Plain mode:
// exit 0 allowed, 1 refused (ask or deny), the description on stderr.
Response render(Agent agent, const Outcome& outcome);

// The answer when the hook itself failed (unreadable input, an internal error): refuse, with
// "ask" where the agent supports it; plain mode exits 2.
Response render_error(Agent agent, std::string_view message);

}  // namespace pgwarden::hook
