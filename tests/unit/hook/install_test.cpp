// Tests for hook/install: merging pgwarden's handler into .claude/settings.json keeps everything
// else the user wrote, replaces rather than duplicates, and never writes over a file it cannot
// read.
#include "hook/install.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using pgwarden::hook::apply;
using pgwarden::hook::plan_claude_install;

class ClaudeInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (fs::temp_directory_path() / "pgwarden-install-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    m_project = dir;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(m_project, ec);
  }

  fs::path settings() const { return m_project / ".claude" / "settings.json"; }

  void write_settings(const std::string& content) const {
    fs::create_directories(settings().parent_path());
    std::ofstream(settings(), std::ios::binary) << content;
  }

  std::string read_settings() const {
    std::ifstream in(settings(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }

  // Plans and applies, expecting both to succeed; returns whether the plan changed anything.
  bool install() const {
    const auto plan = plan_claude_install(m_project, k_executable);
    EXPECT_TRUE(plan) << plan.error().to_string();
    if (!plan) return false;
    const auto applied = apply(*plan);
    EXPECT_TRUE(applied) << applied.error().to_string();
    return plan->changed;
  }

  static constexpr const char* k_executable = "/usr/local/bin/pgwarden";
  fs::path m_project;
};

constexpr const char* k_handler_lines =
    "            \"type\": \"command\",\n"
    "            \"command\": \"/usr/local/bin/pgwarden\",\n"
    "            \"args\": [\n"
    "              \"hook\",\n"
    "              \"--agent\",\n"
    "              \"claude\"\n"
    "            ],\n"
    "            \"timeout\": 5\n";

TEST_F(ClaudeInstall, AFreshProjectGetsASettingsFileWithOnlyTheBashHook) {
  const auto plan = plan_claude_install(m_project, k_executable);
  ASSERT_TRUE(plan) << plan.error().to_string();
  EXPECT_EQ(plan->settings, settings());
  EXPECT_EQ(plan->before, "");
  EXPECT_TRUE(plan->changed);
  const std::string expected = std::string(
                                   "{\n"
                                   "  \"hooks\": {\n"
                                   "    \"PreToolUse\": [\n"
                                   "      {\n"
                                   "        \"matcher\": \"Bash\",\n"
                                   "        \"hooks\": [\n"
                                   "          {\n") +
                               k_handler_lines +
                               "          }\n"
                               "        ]\n"
                               "      }\n"
                               "    ]\n"
                               "  }\n"
                               "}\n";
  EXPECT_EQ(plan->after, expected);
  EXPECT_FALSE(fs::exists(settings()));  // planning writes nothing

  ASSERT_TRUE(apply(*plan));
  EXPECT_EQ(read_settings(), expected);
  // Only the settings file is left in .claude/: no temporary file behind.
  EXPECT_EQ(
      std::distance(fs::directory_iterator(settings().parent_path()), fs::directory_iterator()), 1);
}

TEST_F(ClaudeInstall, OtherKeysAndHooksAreKeptInTheirOrderAndTheBashEntryGainsTheHandler) {
  write_settings(R"json({
  "permissions": { "allow": ["Bash(npm test)"], "deny": [] },
  "hooks": {
    "PostToolUse": [
      { "matcher": "Edit|Write", "hooks": [{ "type": "command", "command": "npx prettier --write" }] }
    ],
    "PreToolUse": [
      { "matcher": "Edit", "hooks": [{ "type": "command", "command": "./hooks/check-edit.sh" }] },
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "./hooks/audit.sh", "timeout": 10 }] }
    ]
  },
  "model": "opus",
  "env": { "ZED": "1", "ALPHA": "2" }
}
)json");
  ASSERT_TRUE(install());
  EXPECT_EQ(read_settings(), std::string(R"json({
  "permissions": {
    "allow": [
      "Bash(npm test)"
    ],
    "deny": []
  },
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [
          {
            "type": "command",
            "command": "npx prettier --write"
          }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Edit",
        "hooks": [
          {
            "type": "command",
            "command": "./hooks/check-edit.sh"
          }
        ]
      },
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "./hooks/audit.sh",
            "timeout": 10
          },
          {
)json") + k_handler_lines + R"json(          }
        ]
      }
    ]
  },
  "model": "opus",
  "env": {
    "ZED": "1",
    "ALPHA": "2"
  }
}
)json");
}

TEST_F(ClaudeInstall, WithoutABashEntryANewOneIsAppendedAndOthersAreUntouched) {
  write_settings(
      R"json({"hooks":{"PreToolUse":[{"matcher":"Bash|PowerShell","hooks":[{"type":"command","command":"./a.sh"}]}],
                    "PostToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./log.sh"}]}]}})json");
  ASSERT_TRUE(install());
  const std::string after = read_settings();
  // The existing entry keeps its single handler; a new "Bash" entry comes after it; PostToolUse's
  // "Bash" entry (not a PreToolUse one) gets nothing.
  EXPECT_NE(after.find("\"matcher\": \"Bash|PowerShell\",\n        \"hooks\": [\n          {\n"
                       "            \"type\": \"command\",\n            \"command\": \"./a.sh\"\n"
                       "          }\n        ]\n      },\n      {\n        \"matcher\": \"Bash\","),
            std::string::npos)
      << after;
  EXPECT_NE(
      after.find("\"PostToolUse\": [\n      {\n        \"matcher\": \"Bash\",\n        \"hooks\": "
                 "[\n          {\n            \"type\": \"command\",\n            \"command\": "
                 "\"./log.sh\"\n          }\n        ]\n      }\n    ]"),
      std::string::npos)
      << after;
  EXPECT_EQ(after.find("pgwarden"), after.rfind("pgwarden"));  // exactly one handler
}

TEST_F(ClaudeInstall, AnExistingPgwardenHandlerIsReplacedWhereItStandsNotDuplicated) {
  write_settings(R"json({
  "hooks": {
    "PreToolUse": [
      { "matcher": "*", "hooks": [
          { "type": "command", "command": "./first.sh" },
          { "type": "command", "command": "/opt/old/bin/pgwarden hook --agent claude", "timeout": 30 },
          { "type": "command", "command": "./last.sh" } ] },
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "pgwarden", "args": ["hook"] }] },
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "./keep.sh" }] }
    ]
  }
}
)json");
  ASSERT_TRUE(install());
  const std::string after = read_settings();
  EXPECT_EQ(after, std::string(R"json({
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "*",
        "hooks": [
          {
            "type": "command",
            "command": "./first.sh"
          },
          {
)json") + k_handler_lines +
                       R"json(          },
          {
            "type": "command",
            "command": "./last.sh"
          }
        ]
      },
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "./keep.sh"
          }
        ]
      }
    ]
  }
}
)json");
}

TEST_F(ClaudeInstall, ASecondRunChangesNothing) {
  ASSERT_TRUE(install());
  const std::string first = read_settings();
  const auto plan = plan_claude_install(m_project, k_executable);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->changed);
  EXPECT_EQ(plan->before, first);
  EXPECT_EQ(plan->after, first);
  ASSERT_TRUE(apply(*plan));
  EXPECT_EQ(read_settings(), first);
}

TEST_F(ClaudeInstall, AFileThatAlreadyHasTheHandlerKeepsItsOwnFormatting) {
  const std::string mine =
      "{\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", "
      "\"command\": \"/usr/local/bin/pgwarden\", \"args\": [\"hook\", \"--agent\", \"claude\"], "
      "\"timeout\": 5}]}]}}";
  write_settings(mine);
  EXPECT_FALSE(install());
  EXPECT_EQ(read_settings(), mine);
}

TEST_F(ClaudeInstall, ARelativeExecutableIsWrittenAsAnAbsolutePath) {
  const auto plan = plan_claude_install(m_project, "bin/../bin/pgwarden");
  ASSERT_TRUE(plan);
  const std::string expected = (fs::current_path() / "bin" / "pgwarden").string();
  EXPECT_NE(plan->after.find("\"command\": \"" + expected + "\""), std::string::npos)
      << plan->after;
}

TEST_F(ClaudeInstall, AFileClaudeCouldNotReadIsAnErrorNamingItAndIsLeftAlone) {
  const char* cases[] = {
      "{\"hooks\": {\"PreToolUse\": [}",    // not JSON
      "[{\"hooks\": {}}]",                  // not an object
      "{\"hooks\": [\"PreToolUse\"]}",      // hooks not an object
      "{\"hooks\": {\"PreToolUse\": {}}}",  // PreToolUse not an array
  };
  for (const char* content : cases) {
    SCOPED_TRACE(content);
    write_settings(content);
    const auto plan = plan_claude_install(m_project, k_executable);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().file, settings().string());
    EXPECT_NE(plan.error().to_string().find(settings().string() + ": "), std::string::npos);
    EXPECT_EQ(read_settings(), content);
  }
}

TEST_F(ClaudeInstall, ApplyRefusesAFileThatChangedSinceThePlan) {
  write_settings("{}");
  const auto plan = plan_claude_install(m_project, k_executable);
  ASSERT_TRUE(plan);
  write_settings("{\"model\": \"opus\"}");
  EXPECT_FALSE(apply(*plan));
  EXPECT_EQ(read_settings(), "{\"model\": \"opus\"}");
}

TEST_F(ClaudeInstall, TheSettingsFileKeepsItsMode) {
  write_settings("{}");
  fs::permissions(settings(), fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(install());
  EXPECT_EQ(fs::status(settings()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace
