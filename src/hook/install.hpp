// hook/install: registers `pgwarden hook` with an agent by merging it into the agent's settings
// file, keeping every other setting and hook the file has.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.hpp"

namespace pgwarden::hook {

struct InstallPlan {
  std::filesystem::path settings;  // the file to write
  std::string before;              // its content now ("" when absent)
  std::string after;               // its content with the hook merged in
  bool changed = false;            // false: the hook was already there, identical
};

// Claude Code: `.claude/settings.json` under `project_dir` gains, in hooks.PreToolUse, an entry
// with matcher "Bash" whose handler runs `executable hook --agent claude` in exec form
// (`command` + `args`) with a timeout of 5 seconds. An existing pgwarden handler is replaced,
// not duplicated; other matchers, handlers and keys are kept in their order. A settings file
// that is not a JSON object is an Error naming the file, and nothing is written.
Expected<InstallPlan> plan_claude_install(const std::filesystem::path& project_dir,
                                          const std::filesystem::path& executable);

// Writes plan.after to plan.settings atomically (a temporary file renamed over it), creating
// the directory when needed. Does nothing when !plan.changed.
Expected<void> apply(const InstallPlan& plan);

}  // namespace pgwarden::hook
