// pgwarden init [--preset NAME] [--output FILE] [--force] [--list]
// Writes a commented pgwarden.toml from one of the presets (src/policy/presets.cpp).
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/run.hpp"
#include "policy/presets.hpp"

namespace pgwarden::cli {
namespace {

struct InitOptions {
  std::string preset = "strict";
  std::string output = "pgwarden.toml";
  bool force = false;
  bool list = false;
};

int init(const InitOptions& o) {
  if (o.list) {
    for (const auto& p : policy::presets()) std::cout << fmt::format("{:<18} {}\n", p.name, p.summary);
    return k_exit_allowed;
  }
  const policy::Preset* preset = policy::find_preset(o.preset);
  if (preset == nullptr) {
    std::string names;
    for (const auto& p : policy::presets()) names += (names.empty() ? "" : ", ") + std::string(p.name);
    std::cerr << fmt::format("pgwarden: error: unknown preset '{}' (presets: {})\n", o.preset, names);
    return k_exit_error;
  }
  if (o.output == "-") {
    std::cout << preset->toml;
    return k_exit_allowed;
  }
  if (std::filesystem::exists(o.output) && !o.force) {
    std::cerr << fmt::format("pgwarden: error: {} exists; pass --force to overwrite it\n", o.output);
    return k_exit_error;
  }
  std::ofstream file(o.output, std::ios::binary | std::ios::trunc);
  file << preset->toml;
  file.close();
  if (!file) {
    std::cerr << fmt::format("pgwarden: error: cannot write {}\n", o.output);
    return k_exit_error;
  }
  std::cout << fmt::format("wrote {} (preset {}): {}\n", o.output, preset->name, preset->summary);
  return k_exit_allowed;
}

}  // namespace

void add_init(CLI::App& command, int& exit_code) {
  auto opts = std::make_shared<InitOptions>();
  command.add_option("--preset", opts->preset, "strict | guarded | immutable-ledger | reference-data");
  command.add_option("-o,--output", opts->output, "Where to write ('-' for standard output)");
  command.add_flag("--force", opts->force, "Overwrite an existing file");
  command.add_flag("--list", opts->list, "List the presets");
  command.callback([opts, &exit_code] { exit_code = init(*opts); });
}

}  // namespace pgwarden::cli
