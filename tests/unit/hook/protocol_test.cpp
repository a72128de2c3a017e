// Tests for hook/protocol and hook/outcome: each agent's request as that agent sends it
// (../shared/notes/agent-hooks.md), and each answer byte for byte against
// tests/hook/golden/<agent>-<verdict>.{out,err,code}, which are the protocols written down.
#include "hook/protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "hook/outcome.hpp"

#ifndef PGWARDEN_SOURCE_DIR
#error "PGWARDEN_SOURCE_DIR must name the repository root"
#endif

namespace {

using pgwarden::hook::Agent;
using pgwarden::hook::agent_from_string;
using pgwarden::hook::describe;
using pgwarden::hook::Outcome;
using pgwarden::hook::parse_request;
using pgwarden::hook::Reason;
using pgwarden::hook::render;
using pgwarden::hook::render_error;
using pgwarden::hook::Request;
using pgwarden::hook::Response;
using pgwarden::hook::Verdict;

constexpr std::array k_agents{Agent::plain,  Agent::claude,  Agent::codex, Agent::gemini,
                              Agent::cursor, Agent::copilot, Agent::cline};
constexpr std::array k_verdicts{Verdict::allow, Verdict::warn, Verdict::ask, Verdict::deny};

// ---- requests, as each agent writes them ------------------------------------------------------

constexpr const char* k_claude_request = R"({
  "session_id": "abc123",
  "prompt_id": "550e8400-e29b-41d4-a716-446655440000",
  "transcript_path": "/home/user/.claude/projects/my-project/transcript.jsonl",
  "cwd": "/home/user/my-project",
  "permission_mode": "default",
  "effort": { "level": "high" },
  "hook_event_name": "PreToolUse",
  "tool_name": "Bash",
  "tool_input": { "command": "psql -c \"DROP TABLE users\"", "description": "Drop the users table",
                  "timeout": 120000, "run_in_background": false },
  "tool_use_id": "toolu_01ABC123"
})";

constexpr const char* k_codex_request = R"({
  "session_id": "019a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8",
  "transcript_path": "/home/user/.codex/sessions/2026/11/23/rollout.jsonl",
  "cwd": "/home/user/my-project",
  "hook_event_name": "PreToolUse",
  "model": "gpt-5-codex",
  "turn_id": "7",
  "tool_name": "Bash",
  "tool_use_id": "call_abc123",
  "tool_input": { "command": "npx prisma migrate reset --force" }
})";

constexpr const char* k_gemini_request = R"({
  "session_id": "c0ffee00-1111-2222-3333-444455556666",
  "transcript_path": "/home/user/.gemini/tmp/chats/session.json",
  "cwd": "/home/user/my-project",
  "hook_event_name": "BeforeTool",
  "timestamp": "2026-11-23T10:15:00.000Z",
  "tool_name": "run_shell_command",
  "tool_input": { "command": "rails db:drop", "description": "Drop the development database" },
  "mcp_context": null
})";

constexpr const char* k_cursor_request = R"({
  "conversation_id": "668320d2-2fd8-4888-b33c-2a466fec86e7",
  "generation_id": "490b90b7-a2ce-4c2c-bb76-cb77b125df2f",
  "model": "claude-4.5-sonnet",
  "hook_event_name": "beforeShellExecution",
  "cursor_version": "2.1.0",
  "workspace_roots": ["/home/user/my-project"],
  "user_email": "dev@example.com",
  "command": "supabase db reset --linked",
  "cwd": ""
})";

constexpr const char* k_copilot_request = R"({
  "timestamp": 1704614400000,
  "cwd": "/home/user/my-project",
  "toolName": "bash",
  "toolArgs": "{\"command\":\"dropdb -h localhost app_production\",\"description\":\"Drop the database\"}"
})";

constexpr const char* k_cline_request = R"({
  "clineVersion": "3.36.0",
  "hookName": "PreToolUse",
  "timestamp": "1764000000000",
  "taskId": "1764000000000",
  "workspaceRoots": ["/home/user/my-project"],
  "userId": "user_123",
  "preToolUse": {
    "toolName": "execute_command",
    "parameters": { "command": "alembic downgrade base", "requires_approval": "true" }
  }
})";

struct RequestCase {
  Agent agent;
  const char* input;
  std::string command;
  std::string cwd;
  std::string tool;
};

const std::array<RequestCase, 6> k_request_cases{{
    {Agent::claude, k_claude_request, R"(psql -c "DROP TABLE users")", "/home/user/my-project",
     "Bash"},
    {Agent::codex, k_codex_request, "npx prisma migrate reset --force", "/home/user/my-project",
     "Bash"},
    {Agent::gemini, k_gemini_request, "rails db:drop", "/home/user/my-project",
     "run_shell_command"},
    {Agent::cursor, k_cursor_request, "supabase db reset --linked", "/home/user/my-project", ""},
    {Agent::copilot, k_copilot_request, "dropdb -h localhost app_production",
     "/home/user/my-project", "bash"},
    {Agent::cline, k_cline_request, "alembic downgrade base", "/home/user/my-project",
     "execute_command"},
}};

TEST(HookRequest, EachAgentsRealRequestYieldsItsCommandCwdAndTool) {
  for (const auto& c : k_request_cases) {
    SCOPED_TRACE(to_string(c.agent));
    for (const bool forced : {false, true}) {
      const auto request =
          parse_request(c.input, forced ? std::optional<Agent>(c.agent) : std::nullopt);
      ASSERT_TRUE(request) << request.error().message;
      EXPECT_EQ(request->agent, c.agent);
      EXPECT_TRUE(request->shell);
      EXPECT_EQ(request->command, c.command);
      EXPECT_EQ(request->cwd, c.cwd);
      EXPECT_EQ(request->tool, c.tool);
    }
  }
}

TEST(HookRequest, ClaudeWithoutModelOrTurnIdIsClaudeAndWithEitherIsCodex) {
  const auto claude = parse_request(
      R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}})", {});
  ASSERT_TRUE(claude);
  EXPECT_EQ(claude->agent, Agent::claude);
  const auto with_turn = parse_request(
      R"({"hook_event_name":"PreToolUse","turn_id":"3","tool_name":"Bash","tool_input":{"command":"ls"}})",
      {});
  ASSERT_TRUE(with_turn);
  EXPECT_EQ(with_turn->agent, Agent::codex);
  const auto with_model = parse_request(
      R"({"hook_event_name":"PreToolUse","model":"o4","tool_name":"Bash","tool_input":{"command":"ls"}})",
      {});
  ASSERT_TRUE(with_model);
  EXPECT_EQ(with_model->agent, Agent::codex);
}

TEST(HookRequest, AForcedAgentWinsOverTheShape) {
  // Gemini's shape read as Claude (same fields): the command is found, the agent is the forced one.
  const auto request = parse_request(k_gemini_request, Agent::claude);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->agent, Agent::claude);
  EXPECT_EQ(request->command, "rails db:drop");

  // Claude's shape forced to Copilot has no toolArgs: no command, an Error rather than a pass.
  const auto wrong = parse_request(k_claude_request, Agent::copilot);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("toolArgs.command (Copilot)"), std::string::npos);
}

TEST(HookRequest, PlainModeTakesTheInputAsTheCommand) {
  const auto request = parse_request("psql -c 'TRUNCATE audit_log'\n", Agent::plain);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->agent, Agent::plain);
  EXPECT_TRUE(request->shell);
  EXPECT_EQ(request->command, "psql -c 'TRUNCATE audit_log'");
  EXPECT_FALSE(parse_request(" \n", Agent::plain));
}

TEST(HookRequest, CodexArgvCommandsAreJoinedIntoTheShellLineThatRunsThem) {
  const auto request = parse_request(
      R"({"hook_event_name":"PreToolUse","turn_id":"1","tool_name":"local_shell","cwd":"/repo",
          "tool_input":{"command":["bash","-lc","psql -c \"DROP TABLE users\""],"workdir":"db"}})",
      {});
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->agent, Agent::codex);
  EXPECT_TRUE(request->shell);
  EXPECT_EQ(request->command, R"(bash -lc 'psql -c "DROP TABLE users"')");
  EXPECT_EQ(request->cwd, "/repo/db");

  const auto quoted = parse_request(
      R"({"turn_id":"1","tool_name":"exec_command","tool_input":{"command":["echo","it's",""]}})",
      {});
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->command, R"(echo 'it'\''s' '')");

  EXPECT_FALSE(parse_request(
      R"({"turn_id":"1","tool_name":"shell","tool_input":{"command":["rm",1]}})", {}));
}

TEST(HookRequest, AnyToolWithACommandIsAShellToolWhateverItsName) {
  const auto request = parse_request(
      R"({"hook_event_name":"PreToolUse","tool_name":"PowerShell","tool_input":{"command":"dropdb app"}})",
      {});
  ASSERT_TRUE(request);
  EXPECT_TRUE(request->shell);
  EXPECT_EQ(request->command, "dropdb app");
}

TEST(HookRequest, ToolsThatRunNoCommandPassWithShellFalse) {
  const std::array<std::pair<const char*, Agent>, 5> cases{{
      {R"({"hook_event_name":"PreToolUse","tool_name":"Edit",
           "tool_input":{"file_path":"/repo/a.sql","old_string":"a","new_string":"b"}})",
       Agent::claude},
      {R"({"hook_event_name":"BeforeTool","tool_name":"read_file","tool_input":{"absolute_path":"/r/x"}})",
       Agent::gemini},
      {R"({"toolName":"view","toolArgs":"{\"path\":\"/repo/README.md\"}","cwd":"/repo"})",
       Agent::copilot},
      {R"({"preToolUse":{"toolName":"read_file","parameters":{"path":"schema.sql"}}})",
       Agent::cline},
      {R"({"conversation_id":"c","tool_name":"Read","tool_input":{"file_path":"/r/x"}})",
       Agent::cursor},
  }};
  for (const auto& [input, agent] : cases) {
    SCOPED_TRACE(input);
    const auto request = parse_request(input, {});
    ASSERT_TRUE(request) << request.error().message;
    EXPECT_EQ(request->agent, agent);
    EXPECT_FALSE(request->shell);
    EXPECT_EQ(request->command, "");
  }
}

TEST(HookRequest, CopilotToolArgsMayBeAnObject) {
  const auto request =
      parse_request(R"({"toolName":"bash","toolArgs":{"command":"flyway clean"},"cwd":"/r"})", {});
  ASSERT_TRUE(request);
  EXPECT_EQ(request->agent, Agent::copilot);
  EXPECT_EQ(request->command, "flyway clean");
}

TEST(HookRequest, CursorWithACwdKeepsIt) {
  const auto request = parse_request(
      R"({"conversation_id":"c","command":"dbmate drop","cwd":"/w/api","workspace_roots":["/w"]})",
      {});
  ASSERT_TRUE(request);
  EXPECT_EQ(request->agent, Agent::cursor);
  EXPECT_EQ(request->cwd, "/w/api");
}

TEST(HookRequest, UnreadableInputIsAnErrorNeverAPass) {
  struct Case {
    const char* input;
    const char* message;  // a piece the message must hold
  };
  const std::array<Case, 11> cases{{
      {"psql -c 'DROP TABLE users'", "hook input is not JSON: "},
      {"", "hook input is empty"},
      {"  \n", "hook input is empty"},
      {R"([{"tool_input":{"command":"dropdb app"}}])", "not a JSON object but array"},
      {R"("dropdb app")", "not a JSON object but string"},
      {R"({"tool_input":{"command":"dropdb app"})", "hook input is not JSON: "},
      {R"({"session_id":"x","cwd":"/"})", "hook input has no command: expected tool_input.command"},
      {R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}})",
       "expected tool_input.command (Claude Code)"},
      {R"({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":42}})",
       "tool_input.command (Claude Code) is a number"},
      {R"({"toolName":"bash","toolArgs":"{\"command\": "})", "hook input's toolArgs is not JSON"},
      {R"({"preToolUse":{"toolName":"execute_command","parameters":{}}})",
       "preToolUse.parameters.command (Cline)"},
  }};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    const auto request = parse_request(c.input, {});
    ASSERT_FALSE(request);
    EXPECT_NE(request.error().message.find(c.message), std::string::npos)
        << request.error().message;
  }
  // Forced or not, bytes that are not even text are an Error.
  EXPECT_FALSE(parse_request(std::string("\xff\xfe{\0}", 5), Agent::claude));
}

TEST(HookRequest, AgentNamesRoundTrip) {
  for (const Agent agent : k_agents) EXPECT_EQ(agent_from_string(to_string(agent)), agent);
  EXPECT_FALSE(agent_from_string("Claude"));
  EXPECT_FALSE(agent_from_string(""));
}

// ---- describe ---------------------------------------------------------------------------------

Reason drop_users() {
  return Reason{Verdict::deny, R"(psql -c "DROP TABLE users")",
                "DROP TABLE users is drop_table, denied by the policy.",
                "ALTER TABLE users RENAME TO users_archived_20261123, and drop it once the "
                "retention period is over.",
                "policy:drop_table"};
}

Reason prisma_reset() {
  return Reason{Verdict::deny, "npx prisma migrate reset --force",
                "drops the database, recreates it and re-applies every migration: all data "
                "is lost.",
                "npx prisma migrate dev --create-only\n(review the SQL, then) npx prisma migrate "
                "deploy",
                "tool:prisma-migrate-reset"};
}

Outcome golden_outcome(Verdict verdict) {
  Outcome outcome;
  outcome.policy_name = "Ledger Immutability Policy";
  outcome.policy_document = "docs/IMMUTABILITY.md";
  switch (verdict) {
    case Verdict::allow:
      break;
    case Verdict::warn:
      outcome.add(Reason{Verdict::warn, R"(psql -c "ALTER TABLE orders ADD COLUMN note text")",
                         "ALTER TABLE orders ADD COLUMN note text is add_column, allowed with a "
                         "warning by the policy.",
                         "", "policy:add_column"});
      break;
    case Verdict::ask:
      outcome.add(Reason{Verdict::ask, R"(psql "$DATABASE_URL" -f "$MIGRATION")",
                         "the SQL comes from $MIGRATION, which is only known when the command "
                         "runs.",
                         "write the file's path out (psql -f migrations/0042_orders.sql) so "
                         "pgwarden can read the SQL.",
                         "unknown-sql"});
      break;
    case Verdict::deny:
      outcome.add(drop_users());
      outcome.add(prisma_reset());
      break;
  }
  return outcome;
}

TEST(HookDescribe, ARefusalListsEachReasonItsAlternativeAndThatOnlyAHumanMayApprove) {
  Outcome outcome;
  outcome.policy_name = "Ledger Immutability Policy";
  outcome.policy_document = "docs/IMMUTABILITY.md";
  outcome.add(drop_users());
  outcome.add(prisma_reset());
  EXPECT_EQ(outcome.verdict, Verdict::deny);
  EXPECT_EQ(
      describe(outcome),
      "pgwarden refused this command (Ledger Immutability Policy, docs/IMMUTABILITY.md).\n"
      "- psql -c \"DROP TABLE users\": DROP TABLE users is drop_table, denied by the policy.\n"
      "  Instead: ALTER TABLE users RENAME TO users_archived_20261123, and drop it once the "
      "retention period is over.\n"
      "- npx prisma migrate reset --force: drops the database, recreates it and re-applies "
      "every migration: all data is lost.\n"
      "  Instead: npx prisma migrate dev --create-only\n"
      "  (review the SQL, then) npx prisma migrate deploy\n"
      "Only a human can approve this; consent written into the command (a --force flag, an "
      "environment variable) is not consent.");
}

TEST(HookDescribe, EachVerdictHasItsOwnFirstLineAndOnlyRefusalsTheClosingLine) {
  Outcome allow;
  EXPECT_EQ(describe(allow), "pgwarden allowed this command.");
  allow.policy_document = "docs/IMMUTABILITY.md";
  EXPECT_EQ(describe(allow), "pgwarden allowed this command (docs/IMMUTABILITY.md).");

  Outcome warn;
  warn.add(Reason{Verdict::warn, "psql -c 'VACUUM FULL t'", "VACUUM FULL locks t.", "", "lint"});
  EXPECT_EQ(describe(warn),
            "pgwarden allowed this command with a warning.\n"
            "- psql -c 'VACUUM FULL t': VACUUM FULL locks t.");

  Outcome ask;
  ask.policy_name = "Team policy";
  ask.add(Reason{Verdict::ask, "psql -f \"$F\"", "the SQL in $F is unknown.", "", "unknown-sql"});
  ask.add(Reason{Verdict::warn, "psql -c 'VACUUM FULL t'", "VACUUM FULL locks t.", "", "lint"});
  EXPECT_EQ(ask.verdict, Verdict::ask);  // raised to the strictest, never lowered
  const std::string text = describe(ask);
  EXPECT_EQ(text.rfind("pgwarden needs a human to decide on this command (Team policy).\n", 0), 0u);
  EXPECT_NE(text.find("\nOnly a human can approve this;"), std::string::npos);
}

TEST(HookDescribe, ALongCommandIsShortenedInTheMiddle) {
  const std::string command = "psql -c \"" + std::string(300, 'x') + "\" app_production";
  Outcome outcome;
  outcome.add(Reason{Verdict::deny, command, "it drops x.", "", "policy:drop_table"});
  const std::string text = describe(outcome);
  const auto line_begin = text.find("- ");
  const std::string shown = text.substr(line_begin + 2, text.find(": it drops") - line_begin - 2);
  EXPECT_LE(shown.size(), 200u);
  EXPECT_EQ(shown.rfind("psql -c \"xxx", 0), 0u);
  EXPECT_NE(shown.find("\u2026"), std::string::npos);
  EXPECT_EQ(shown.substr(shown.size() - 16), "\" app_production");
}

TEST(HookDescribe, TheTextNeverExceedsTheLimitAndSaysHowManyReasonsWereLeftOut) {
  Outcome outcome;
  outcome.policy_name = "Ledger Immutability Policy";
  for (int i = 0; i < 400; ++i) {
    outcome.add(Reason{Verdict::deny, "psql -c \"DROP TABLE t" + std::to_string(i) + "\"",
                       "DROP TABLE t" + std::to_string(i) + " is drop_table, denied by the policy.",
                       "ALTER TABLE t" + std::to_string(i) + " RENAME TO t_archived",
                       "policy:drop_table"});
  }
  const std::string full = describe(outcome, 1'000'000);
  ASSERT_GT(full.size(), 9000u);

  for (const std::size_t limit : {9000u, 1000u, 400u}) {
    SCOPED_TRACE(limit);
    const std::string text = describe(outcome, limit);
    EXPECT_LE(text.size(), limit);
    // Whole reasons only: the text is the full text's first lines, then the note and the end.
    const auto note = text.find("- ... and ");
    ASSERT_NE(note, std::string::npos);
    EXPECT_EQ(full.compare(0, note, text, 0, note), 0);
    // The headline, two lines per reason shown, the note, and the closing line.
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    ASSERT_EQ(lines % 2, 1u);
    const std::size_t shown = (lines - 3) / 2;
    EXPECT_GT(shown, 0u);
    EXPECT_NE(text.find("- ... and " + std::to_string(400 - shown) + " more reasons\n"),
              std::string::npos);
    EXPECT_NE(text.find("\nOnly a human can approve this;"), std::string::npos);
  }
  // Below what the headline and the closing line need, still within the limit.
  for (std::size_t limit = 0; limit < 260; limit += 7)
    EXPECT_LE(describe(outcome, limit).size(), limit);
}

TEST(HookDescribe, AnOutcomeThatFitsIsNotCut) {
  const Outcome outcome = golden_outcome(Verdict::deny);
  const std::string text = describe(outcome);
  EXPECT_EQ(describe(outcome, text.size()), text);
  EXPECT_NE(describe(outcome, text.size() - 1), text);
  EXPECT_LE(describe(outcome, text.size() - 1).size(), text.size() - 1);
}

// ---- answers ----------------------------------------------------------------------------------

std::string read_golden(const std::string& name) {
  const std::filesystem::path path =
      std::filesystem::path(PGWARDEN_SOURCE_DIR) / "tests" / "hook" / "golden" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "missing golden file " << path;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(HookRender, EveryAgentAnswersEveryVerdictExactlyAsItsGoldenFilesSay) {
  for (const Agent agent : k_agents) {
    for (const Verdict verdict : k_verdicts) {
      const std::string name = std::string(to_string(agent)) + "-" + to_string(verdict);
      SCOPED_TRACE(name);
      const Response response = render(agent, golden_outcome(verdict));
      EXPECT_EQ(response.out, read_golden(name + ".out"));
      EXPECT_EQ(response.err, read_golden(name + ".err"));
      EXPECT_EQ(std::to_string(response.exit_code) + "\n", read_golden(name + ".code"));
    }
  }
}

TEST(HookRender, JsonAnswersAreOneCompactObjectOnOneLine) {
  for (const Agent agent : k_agents) {
    for (const Verdict verdict : k_verdicts) {
      const Response response = render(agent, golden_outcome(verdict));
      if (response.out.empty()) continue;
      SCOPED_TRACE(response.out);
      EXPECT_EQ(response.out.front(), '{');
      EXPECT_EQ(response.out.find('\n'), response.out.size() - 1);
    }
  }
}

TEST(HookRender, BytesThatAreNotUtf8DoNotBreakTheJson) {
  Outcome outcome;
  outcome.add(Reason{Verdict::deny, "psql -c \"DROP TABLE \xff\xfe\"", "drops a table.", "", "x"});
  const Response response = render(Agent::claude, outcome);
  EXPECT_EQ(response.exit_code, 2);
  EXPECT_NE(response.out.find("DROP TABLE \xef\xbf\xbd\xef\xbf\xbd"), std::string::npos);
}

TEST(HookRenderError, ClaudeAndCursorAskAHumanOthersRefusePlainExitsTwo) {
  const std::string message = "hook input is not JSON: parse error";
  const std::string text = "pgwarden could not judge this command: " + message;

  const Response claude = render_error(Agent::claude, message);
  EXPECT_EQ(
      claude.out,
      R"({"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask",)"
      R"("permissionDecisionReason":"pgwarden could not judge this command: hook input is not JSON: parse error"}})"
      "\n");
  EXPECT_EQ(claude.err, "");
  EXPECT_EQ(claude.exit_code, 0);

  const Response codex = render_error(Agent::codex, message);
  EXPECT_NE(codex.out.find(R"("permissionDecision":"deny")"), std::string::npos);
  EXPECT_EQ(codex.err, text + "\n");
  EXPECT_EQ(codex.exit_code, 2);

  const Response gemini = render_error(Agent::gemini, message);
  EXPECT_EQ(gemini.out, R"({"decision":"deny","reason":")" + text + "\"}\n");
  EXPECT_EQ(gemini.exit_code, 2);

  const Response cursor = render_error(Agent::cursor, message);
  EXPECT_EQ(cursor.out, R"({"permission":"ask","user_message":")" + text +
                            R"(","agent_message":")" + text + "\"}\n");
  EXPECT_EQ(cursor.exit_code, 0);

  const Response copilot = render_error(Agent::copilot, message);
  EXPECT_EQ(copilot.out,
            R"({"permissionDecision":"deny","permissionDecisionReason":")" + text + "\"}\n");
  EXPECT_EQ(copilot.exit_code, 0);

  const Response cline = render_error(Agent::cline, message);
  EXPECT_EQ(cline.out, R"({"cancel":true,"errorMessage":")" + text + "\"}\n");
  EXPECT_EQ(cline.exit_code, 0);

  const Response plain = render_error(Agent::plain, message);
  EXPECT_EQ(plain.out, "");
  EXPECT_EQ(plain.err, "pgwarden: error: " + message + "\n");
  EXPECT_EQ(plain.exit_code, 2);
}

TEST(HookRenderError, AHugeMessageStaysUnderClaudesCap) {
  const Response response = render_error(Agent::claude, std::string(50'000, 'x'));
  EXPECT_LT(response.out.size(), 10'000u);
}

}  // namespace
