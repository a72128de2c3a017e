// hook/protocol: reading an agent's hook request and answering in that agent's protocol.
//
// The protocols are those of ../shared/notes/agent-hooks.md (Claude Code's PreToolUse is
// normative there; the others are summarised in its table). Each agent gets one reader and one
// writer here; tests/hook/golden/ holds the exact bytes each writer produces.
//
// Two principles shape every answer:
// - Block in the way the agent cannot misread. Claude Code treats any exit code but 0 and 2 as
//   "hook failed, run the command", and JSON that fails its schema the same way; exit 2 blocks
//   even then. So a refusal says it twice where the protocol allows: JSON on stdout and exit 2
//   with the reason on stderr.
// - "ask" only where it is documented. An agent without it gets a refusal that says a human
//   has to decide, rather than an answer the agent might read as "allow".
//
// Reading never throws: nlohmann::json parses with exceptions off and every field is checked for
// its type before use, so any input, however malformed, becomes a Request or an Error.
#include "hook/protocol.hpp"

#include <array>
#include <exception>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "hook/json_reader.hpp"
#include "hook/shell.hpp"

namespace pgwarden::hook {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t k_describe_limit = 9000;  // under Claude's 10,000-character output cap

constexpr std::string_view k_no_command =
    "hook input has no command: expected tool_input.command (Claude Code, Codex, Gemini CLI), "
    "a top-level command (Cursor), toolArgs.command (Copilot) or preToolUse.parameters.command "
    "(Cline)";

// Added to the text when "ask" has to be expressed as a refusal. It points the model at the
// user, never at a way round (such as editing the policy).
constexpr std::string_view k_no_ask =
    "This agent's hooks cannot ask the user, so pgwarden blocked the command: ask the user to "
    "run it themselves.";

constexpr std::array<std::pair<Agent, const char*>, 7> k_agent_names{{
    {Agent::plain, "plain"},
    {Agent::claude, "claude"},
    {Agent::codex, "codex"},
    {Agent::gemini, "gemini"},
    {Agent::cursor, "cursor"},
    {Agent::copilot, "copilot"},
    {Agent::cline, "cline"},
}};

// ---- reading ---------------------------------------------------------------------------------

// nlohmann's DOM parser with exceptions off says only "discarded"; this SAX pass, run only on
// failure, recovers the parser's own message (line, column, what it expected).
struct ErrorOnlySax {
  std::string message;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    message = e.what();
    return false;
  }
};

std::string json_error_message(std::string_view text) {
  ErrorOnlySax sax;
  json::sax_parse(text, &sax);
  std::string message = sax.message.empty() ? std::string("syntax error") : sax.message;
  // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
  if (message.rfind("[json.exception.", 0) == 0) {
    const auto close = message.find("] ");
    if (close != std::string::npos) message.erase(0, close + 2);
  }
  return message;
}

Expected<json> parse_json_object(std::string_view text, std::string_view what) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return make_error(std::string(what) + " is empty");
  }
  json value = parse_json(text);
  if (value.is_discarded()) {
    return make_error(std::string(what) + " is not JSON: " + json_error_message(text));
  }
  if (!value.is_object()) {
    return make_error(std::string(what) + " is not a JSON object but " + value.type_name());
  }
  return value;
}

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string string_member(const json& object, const char* key) {
  const json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

bool has_object(const json& object, const char* key) {
  const json* value = member(object, key);
  return value != nullptr && value->is_object();
}

// The command of a tool's arguments: a string, or (Codex's exec tools) an argv array that is
// joined into the shell command line that runs the same program with the same arguments.
// nullopt: no command there; an Error: a command of the wrong type.
Expected<std::optional<std::string>> command_of(const json& args, std::string_view where) {
  const json* command = member(args, "command");
  if (command == nullptr || command->is_null()) return std::optional<std::string>();
  if (command->is_string()) return std::optional<std::string>(command->get<std::string>());
  if (command->is_array()) {
    std::string line;
    for (const auto& element : *command) {
      if (!element.is_string()) {
        return make_error(std::string(where) + " is an array holding a " + element.type_name() +
                          "; expected strings");
      }
      if (!line.empty()) line += ' ';
      line += shell::quote(element.get_ref<const std::string&>());
    }
    return std::optional<std::string>(std::move(line));
  }
  return make_error(std::string(where) + " is a " + command->type_name() + "; expected a string");
}

bool is_shell_tool(std::string_view tool) {
  static constexpr std::array<std::string_view, 8> k_names{
      "Bash", "shell", "local_shell", "exec_command", "run_shell_command", "execute_command",
      "bash", "Shell"};
  for (const auto name : k_names) {
    if (tool == name) return true;
  }
  return false;
}

// Fills request.command and request.shell from a tool's arguments. A tool with a command is a
// shell tool, whatever its name (Codex names several; a guard must not miss a new one); a
// known shell tool without a command is an Error, any other tool passes with shell = false.
Expected<void> take_command(Request& request, const json* args, std::string_view where) {
  std::optional<std::string> command;
  if (args != nullptr && args->is_object()) {
    auto found = command_of(*args, where);
    if (!found) return tl::unexpected(found.error());
    command = std::move(*found);
  }
  if (command) {
    request.shell = true;
    request.command = std::move(*command);
    return {};
  }
  if (is_shell_tool(request.tool) || request.tool.empty()) {
    return make_error("hook input has no command: expected " + std::string(where));
  }
  request.shell = false;
  return {};
}

std::string first_string(const json& object, const char* key) {
  const json* array = member(object, key);
  if (array == nullptr || !array->is_array() || array->empty()) return {};
  const json& first = array->front();
  return first.is_string() ? first.get<std::string>() : std::string();
}

// Claude Code and Codex: {"hook_event_name":"PreToolUse","tool_name":..,"tool_input":{..},"cwd"}.
// Gemini CLI's BeforeTool has the same fields.
Expected<Request> read_tool_input(const json& input, Agent agent) {
  Request request;
  request.agent = agent;
  request.tool = string_member(input, "tool_name");
  request.cwd = string_member(input, "cwd");
  const json* args = member(input, "tool_input");
  const char* where = agent == Agent::gemini  ? "tool_input.command (Gemini CLI)"
                      : agent == Agent::codex ? "tool_input.command (Codex)"
                                              : "tool_input.command (Claude Code)";
  if (auto taken = take_command(request, args, where); !taken) return tl::unexpected(taken.error());
  // Codex's exec tools run in tool_input.workdir when given, relative to the session's cwd.
  if (args != nullptr) {
    const std::string workdir = string_member(*args, "workdir");
    if (!workdir.empty()) {
      request.cwd =
          request.cwd.empty() ? workdir : (std::filesystem::path(request.cwd) / workdir).string();
    }
  }
  return request;
}

// Cursor's beforeShellExecution: {"conversation_id",...,"command","cwd","workspace_roots":[..]}.
// Its later preToolUse event carries tool_name + tool_input instead; both are read.
Expected<Request> read_cursor(const json& input) {
  Request request;
  request.agent = Agent::cursor;
  request.tool = string_member(input, "tool_name");
  request.cwd = string_member(input, "cwd");
  if (request.cwd.empty()) request.cwd = first_string(input, "workspace_roots");
  const json* top = member(input, "command");
  if (top != nullptr && !top->is_null()) {
    auto found = command_of(input, "command (Cursor)");
    if (!found) return tl::unexpected(found.error());
    request.shell = true;
    request.command = std::move(**found);
    return request;
  }
  if (auto taken =
          take_command(request, member(input, "tool_input"), "a top-level command (Cursor)");
      !taken) {
    return tl::unexpected(taken.error());
  }
  return request;
}

// Copilot CLI's preToolUse: {"timestamp","cwd","toolName":"bash","toolArgs":"{\"command\":..}"}.
// toolArgs is a JSON text inside the JSON; some versions send the object itself.
Expected<Request> read_copilot(const json& input) {
  Request request;
  request.agent = Agent::copilot;
  request.tool = string_member(input, "toolName");
  request.cwd = string_member(input, "cwd");
  const json* raw = member(input, "toolArgs");
  json args;
  if (raw != nullptr && raw->is_string()) {
    auto parsed = parse_json_object(raw->get_ref<const std::string&>(), "hook input's toolArgs");
    if (!parsed) return tl::unexpected(parsed.error());
    args = std::move(*parsed);
  } else if (raw != nullptr && raw->is_object()) {
    args = *raw;
  } else if (raw != nullptr && !raw->is_null()) {
    return make_error(std::string("hook input's toolArgs is a ") + raw->type_name() +
                      "; expected a JSON string or an object");
  }
  if (auto taken = take_command(request, &args, "toolArgs.command (Copilot)"); !taken) {
    return tl::unexpected(taken.error());
  }
  return request;
}

// Cline's PreToolUse: {"hookName":"PreToolUse","workspaceRoots":[..],
// "preToolUse":{"toolName":"execute_command","parameters":{"command":..}}}. Cline runs commands
// in the workspace root and sends no cwd.
Expected<Request> read_cline(const json& input) {
  Request request;
  request.agent = Agent::cline;
  const json* call = member(input, "preToolUse");
  if (call != nullptr && call->is_object()) request.tool = string_member(*call, "toolName");
  request.cwd = first_string(input, "workspaceRoots");
  const json* args = call != nullptr ? member(*call, "parameters") : nullptr;
  if (auto taken = take_command(request, args, "preToolUse.parameters.command (Cline)"); !taken) {
    return tl::unexpected(taken.error());
  }
  return request;
}

// The agent a request comes from, by its shape (agent-hooks.md, "detect the agent").
std::optional<Agent> detect(const json& input) {
  if (string_member(input, "hook_event_name") == "BeforeTool") return Agent::gemini;
  if (member(input, "toolArgs") != nullptr) return Agent::copilot;
  if (const json* call = member(input, "preToolUse");
      call != nullptr && has_object(*call, "parameters")) {
    return Agent::cline;
  }
  if (member(input, "conversation_id") != nullptr &&
      (member(input, "command") != nullptr || member(input, "tool_input") != nullptr)) {
    return Agent::cursor;
  }
  if (member(input, "tool_input") != nullptr) {
    const bool codex = member(input, "turn_id") != nullptr || member(input, "model") != nullptr;
    return codex ? Agent::codex : Agent::claude;
  }
  return std::nullopt;
}

Expected<Request> read_request(std::string_view input, std::optional<Agent> forced) {
  // Plain mode: the input is the command itself, as a script would pipe it.
  if (forced == Agent::plain) {
    while (!input.empty() && (input.back() == '\n' || input.back() == '\r')) input.remove_suffix(1);
    if (input.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return make_error("hook input is empty: expected the command to judge");
    }
    Request request;
    request.command = std::string(input);
    return request;
  }

  auto parsed = parse_json_object(input, "hook input");
  if (!parsed) return tl::unexpected(parsed.error());
  const json& object = *parsed;

  const std::optional<Agent> agent = forced ? forced : detect(object);
  if (!agent) return make_error(std::string(k_no_command));
  switch (*agent) {
    case Agent::claude:
    case Agent::codex:
    case Agent::gemini:
      return read_tool_input(object, *agent);
    case Agent::cursor:
      return read_cursor(object);
    case Agent::copilot:
      return read_copilot(object);
    case Agent::cline:
      return read_cline(object);
    case Agent::plain:
      break;
  }
  return make_error(std::string(k_no_command));
}

// ---- answering -------------------------------------------------------------------------------

// Compact JSON and one newline. Invalid UTF-8 (a command can hold any bytes) becomes U+FFFD
// rather than an exception.
std::string dump_line(const ordered_json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

ordered_json claude_decision(const char* decision, const std::string& reason) {
  ordered_json specific;
  specific["hookEventName"] = "PreToolUse";
  specific["permissionDecision"] = decision;
  specific["permissionDecisionReason"] = reason;
  ordered_json out;
  out["hookSpecificOutput"] = std::move(specific);
  return out;
}

bool supports_ask(Agent agent) {
  return agent == Agent::claude || agent == Agent::cursor || agent == Agent::plain;
}

// The answer for a decided verdict and its text. `verdict` is never ask for an agent without
// ask: the callers turn it into deny first.
Response answer(Agent agent, Verdict verdict, const std::string& text) {
  Response r;
  const bool blocks = verdict == Verdict::deny || verdict == Verdict::ask;
  switch (agent) {
    case Agent::claude:
    case Agent::codex:
      // deny: JSON and exit 2 with the reason on stderr (agent-hooks.md 5.1, "recommendation").
      // ask: JSON only and exit 0, since exit 2 would turn it into a block. warn: systemMessage
      // is Claude's user-visible warning; Codex documents no such field, so it stays silent.
      if (verdict == Verdict::deny) {
        r.out = dump_line(claude_decision("deny", text));
        r.err = text + "\n";
        r.exit_code = 2;
      } else if (verdict == Verdict::ask) {
        r.out = dump_line(claude_decision("ask", text));
      } else if (verdict == Verdict::warn && agent == Agent::claude) {
        r.out = dump_line(ordered_json{{"systemMessage", text}});
      }
      return r;
    case Agent::gemini:
      // {"decision":"deny","reason":..} goes to the model as the tool's error; exit 2 with the
      // reason on stderr blocks on its own too.
      if (blocks) {
        r.out = dump_line(ordered_json{{"decision", "deny"}, {"reason", text}});
        r.err = text + "\n";
        r.exit_code = 2;
      } else if (verdict == Verdict::warn) {
        r.out = dump_line(ordered_json{{"systemMessage", text}});
      }
      return r;
    case Agent::cursor: {
      // Cursor reads a permission object on every call. Exit 2 on deny as well: a recent
      // reference says exit 2 blocks on its own, and the JSON says deny in any case, so the two
      // cannot disagree. ask keeps exit 0, or exit 2 would make it a block.
      ordered_json out;
      if (verdict == Verdict::allow) {
        out["permission"] = "allow";
      } else {
        out["permission"] = verdict == Verdict::deny  ? "deny"
                            : verdict == Verdict::ask ? "ask"
                                                      : "allow";
        out["user_message"] = text;
        out["agent_message"] = text;
      }
      r.out = dump_line(out);
      if (verdict == Verdict::deny) {
        r.err = text + "\n";
        r.exit_code = 2;
      }
      return r;
    }
    case Agent::copilot:
      // The flat deny object is the one documented way to block. Exit 0: what Copilot does
      // with its output on a non-zero exit is not documented, and it must not be skipped.
      if (blocks) {
        r.out = dump_line(
            ordered_json{{"permissionDecision", "deny"}, {"permissionDecisionReason", text}});
      }
      return r;
    case Agent::cline:
      if (blocks) {
        r.out = dump_line(ordered_json{{"cancel", true}, {"errorMessage", text}});
      } else {
        r.out = dump_line(ordered_json{{"cancel", false}});
      }
      return r;
    case Agent::plain:
      if (verdict != Verdict::allow) r.err = text + "\n";
      r.exit_code = blocks ? 1 : 0;
      return r;
  }
  return r;
}

// Cuts a message to `limit` bytes at a character boundary.
std::string cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0U) == 0x80U) --n;
  return std::string(text.substr(0, n));
}

}  // namespace

const char* to_string(Agent agent) {
  for (const auto& [value, name] : k_agent_names) {
    if (value == agent) return name;
  }
  return "plain";
}

std::optional<Agent> agent_from_string(std::string_view name) {
  for (const auto& [value, spelled] : k_agent_names) {
    if (name == spelled) return value;
  }
  return std::nullopt;
}

Expected<Request> parse_request(std::string_view input, std::optional<Agent> forced) {
  try {
    return read_request(input, forced);
  } catch (const std::exception& e) {  // bad_alloc; nothing else is expected to throw
    return make_error(std::string("hook input could not be read: ") + e.what());
  } catch (...) {
    return make_error("hook input could not be read");
  }
}

Response render(Agent agent, const Outcome& outcome) {
  if (outcome.verdict == Verdict::allow) return answer(agent, Verdict::allow, {});
  if (outcome.verdict == Verdict::ask && !supports_ask(agent)) {
    // Refuse, and say why this refusal is really a question for a human.
    const std::string text =
        describe(outcome, k_describe_limit - k_no_ask.size() - 1) + "\n" + std::string(k_no_ask);
    return answer(agent, Verdict::deny, text);
  }
  return answer(agent, outcome.verdict, describe(outcome, k_describe_limit));
}

Response render_error(Agent agent, std::string_view message) {
  if (agent == Agent::plain) {
    return Response{{}, "pgwarden: error: " + cut(message, k_describe_limit) + "\n", 2};
  }
  const std::string text =
      "pgwarden could not judge this command: " + cut(message, k_describe_limit);
  return answer(agent, supports_ask(agent) ? Verdict::ask : Verdict::deny, text);
}

}  // namespace pgwarden::hook
