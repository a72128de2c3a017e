// Loading pgwarden.toml exactly as DESIGN.md specifies. Every mistake is an error naming the
// file, line, column and key; nothing is guessed and nothing unknown is ignored.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "policy/policy.hpp"

namespace pgwarden::policy {

// Parses policy text; `source` names it in errors (usually the file path).
Expected<Policy> parse_policy(std::string_view toml_text, const std::string& source);

// Reads and parses a policy file.
Expected<Policy> load_policy_file(const std::filesystem::path& path);

// DESIGN.md's lookup: `explicit_path` if given, else ./pgwarden.toml, else the nearest
// pgwarden.toml in a parent of `start`; std::nullopt when there is none (built-in defaults).
std::optional<std::filesystem::path> find_policy_file(
    const std::optional<std::filesystem::path>& explicit_path, const std::filesystem::path& start);

// find_policy_file + load_policy_file, or Policy::defaults() when no file is found.
// An explicit path that does not exist is an error.
Expected<Policy> resolve_policy(const std::optional<std::filesystem::path>& explicit_path,
                                const std::filesystem::path& start);

}  // namespace pgwarden::policy
