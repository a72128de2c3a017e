// The policies `pgwarden init --preset NAME` writes: commented pgwarden.toml files that mirror
// the policies teams really write. Each one loads with parse_policy (a test checks it).
#pragma once

#include <string_view>
#include <vector>

namespace pgwarden::policy {

struct Preset {
  std::string_view name;
  std::string_view summary;
  std::string_view toml;
};

const std::vector<Preset>& presets();
const Preset* find_preset(std::string_view name);

}  // namespace pgwarden::policy
