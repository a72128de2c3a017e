// `pgwarden hook` as agents and people run it: the built binary, a real process, JSON on stdin.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "shell.hpp"

namespace fs = std::filesystem;
using pgwarden::test::shell;

namespace {

const std::string k_files = "tests/corpus/hook/files";
const std::string k_policy = "--policy tests/corpus/hook/pgwarden.toml";

std::string claude_input(const std::string& command, const std::string& cwd) {
  return nlohmann::json{{"session_id", "s1"},
                        {"transcript_path", "/tmp/t.jsonl"},
                        {"cwd", cwd},
                        {"permission_mode", "default"},
                        {"hook_event_name", "PreToolUse"},
                        {"tool_name", "Bash"},
                        {"tool_input", {{"command", command}, {"description", "d"}}},
                        {"tool_use_id", "toolu_1"}}
      .dump();
}

// The JSON object on the first line of the output (stdout comes first: stderr follows it).
nlohmann::json first_json(const std::string& out) {
  return nlohmann::json::parse(out.substr(0, out.find('\n')), nullptr, false);
}

fs::path temp_project(const char* name) {
  const fs::path dir = fs::temp_directory_path() / (std::string("pgwarden-hook-") + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST(HookCommand, PlainModeExitCodes) {
  auto refused = shell("build/pgwarden hook " + k_policy + " -- psql -c 'DROP TABLE users'");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("DROP TABLE would destroy table users"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("ALTER TABLE users RENAME TO"), std::string::npos) << "the alternative: " << refused.out;
  EXPECT_NE(refused.out.find("docs/IMMUTABILITY.md"), std::string::npos) << "the document cited: " << refused.out;

  auto allowed = shell("build/pgwarden hook " + k_policy + " --command 'git status && psql -c \"SELECT 1\"'");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out;
  EXPECT_EQ(allowed.out, "");

  auto bad_policy = shell("build/pgwarden hook --policy /nonexistent.toml --command 'psql -c \"SELECT 1\"'");
  EXPECT_EQ(bad_policy.exit_code, 2) << bad_policy.out;
  auto unrelated = shell("build/pgwarden hook --policy /nonexistent.toml --command 'git status'");
  EXPECT_EQ(unrelated.exit_code, 0) << "a broken policy must not stop commands that touch no database: " << unrelated.out;
}

TEST(HookCommand, ClaudeCodeDenyAskAllow) {
  const std::string cwd = fs::path(PGWARDEN_SOURCE_DIR) / k_files;
  auto deny = shell("build/pgwarden hook --agent claude " + k_policy, claude_input("npx prisma migrate reset --force", cwd), true);
  EXPECT_EQ(deny.exit_code, 2) << deny.out;
  const auto j = first_json(deny.out);
  ASSERT_TRUE(j.is_object()) << deny.out;
  EXPECT_EQ(j["hookSpecificOutput"]["hookEventName"], "PreToolUse");
  EXPECT_EQ(j["hookSpecificOutput"]["permissionDecision"], "deny");
  EXPECT_NE(j["hookSpecificOutput"]["permissionDecisionReason"].get<std::string>().find("prisma migrate dev --create-only"), std::string::npos);

  // Detected from the shape, without --agent; the file named is read from the agent's cwd.
  auto from_file = shell("build/pgwarden hook " + k_policy, claude_input("psql -f drop.sql", cwd), true);
  EXPECT_EQ(from_file.exit_code, 2) << from_file.out;

  auto ask = shell("build/pgwarden hook --agent claude " + k_policy, claude_input("psql -c \"$SQL\"", cwd), true);
  EXPECT_EQ(ask.exit_code, 0) << ask.out;
  EXPECT_EQ(first_json(ask.out)["hookSpecificOutput"]["permissionDecision"], "ask") << ask.out;

  auto allow = shell("build/pgwarden hook --agent claude " + k_policy, claude_input("npm test", cwd), true);
  EXPECT_EQ(allow.exit_code, 0);
  EXPECT_EQ(allow.out, "") << "allowed is silent";

  auto garbage = shell("build/pgwarden hook --agent claude " + k_policy, "{not json", true);
  EXPECT_EQ(garbage.exit_code, 0) << garbage.out;
  EXPECT_EQ(first_json(garbage.out)["hookSpecificOutput"]["permissionDecision"], "ask") << "an unreadable request is never waved through";
}

TEST(HookCommand, OtherAgentsDetectedFromTheirShape) {
  const nlohmann::json gemini = {{"session_id", "s"}, {"cwd", "/tmp"}, {"hook_event_name", "BeforeTool"},
                                 {"tool_name", "run_shell_command"}, {"tool_input", {{"command", "rails db:drop"}}}};
  auto g = shell("build/pgwarden hook " + k_policy, gemini.dump(), true);
  EXPECT_EQ(g.exit_code, 2) << g.out;
  EXPECT_EQ(first_json(g.out)["decision"], "deny") << g.out;

  const nlohmann::json cursor = {{"conversation_id", "c"}, {"generation_id", "g"}, {"hook_event_name", "beforeShellExecution"},
                                 {"command", "supabase db reset"}, {"cwd", ""}, {"workspace_roots", {"/tmp"}}};
  auto c = shell("build/pgwarden hook " + k_policy, cursor.dump(), true);
  EXPECT_EQ(first_json(c.out)["permission"], "deny") << c.out;

  const nlohmann::json copilot = {{"timestamp", 1}, {"cwd", "/tmp"}, {"toolName", "bash"},
                                  {"toolArgs", nlohmann::json{{"command", "dropdb app"}}.dump()}};
  auto p = shell("build/pgwarden hook " + k_policy, copilot.dump(), true);
  EXPECT_EQ(first_json(p.out)["permissionDecision"], "deny") << p.out;
}

TEST(HookCommand, InstallClaudeMergesAndSelfTests) {
  const fs::path dir = temp_project("install");
  fs::create_directories(dir / ".claude");
  std::ofstream(dir / ".claude" / "settings.json")
      << R"({"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "lint.sh"}]}]}})";
  auto printed = shell("build/pgwarden hook install claude --print --project '" + dir.string() + "'");
  EXPECT_EQ(printed.exit_code, 0) << printed.out;
  EXPECT_NE(printed.out.find("\"Bash\""), std::string::npos) << printed.out;
  EXPECT_NE(std::ifstream(dir / ".claude" / "settings.json").peek(), EOF);

  auto installed = shell("build/pgwarden hook install claude --project '" + dir.string() + "'");
  EXPECT_EQ(installed.exit_code, 0) << installed.out;
  EXPECT_NE(installed.out.find("self-test: psql -c 'DROP TABLE ...' is deny"), std::string::npos) << installed.out;
  std::ifstream in(dir / ".claude" / "settings.json");
  const auto settings = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(settings.is_object());
  EXPECT_EQ(settings["model"], "opus") << "other keys are kept";
  ASSERT_EQ(settings["hooks"]["PreToolUse"].size(), 2u) << settings.dump(2);
  EXPECT_EQ(settings["hooks"]["PreToolUse"][0]["matcher"], "Edit");
  const auto& handler = settings["hooks"]["PreToolUse"][1]["hooks"][0];
  EXPECT_TRUE(fs::path(handler["command"].get<std::string>()).is_absolute());
  EXPECT_EQ(handler["args"], nlohmann::json::array({"hook", "--agent", "claude"}));

  // The command Claude Code will run refuses a DROP TABLE given in Claude's JSON.
  // (Through a script: shell() would rewrite the "build/pgwarden" inside the absolute path.)
  std::ofstream(dir / "run-hook.sh") << "cd '" << dir.string() << "' && exec '" << handler["command"].get<std::string>()
                                     << "' hook --agent claude\n";
  auto live = shell("sh '" + (dir / "run-hook.sh").string() + "'", claude_input("psql -c 'DROP TABLE users'", dir.string()), true);
  EXPECT_EQ(live.exit_code, 2) << live.out;

  auto again = shell("build/pgwarden hook install claude --project '" + dir.string() + "'");
  EXPECT_NE(again.out.find("already installed"), std::string::npos) << again.out;
  fs::remove_all(dir);
}
