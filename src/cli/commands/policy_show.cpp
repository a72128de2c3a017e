// pgwarden policy show [--policy F] [--format text|json]
// The effective decision for every action, globally and for each [[tables]] entry, and where
// each decision comes from (built-in default, [actions], or the table entry); then [db].
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands/commands.hpp"
#include "cli/run.hpp"
#include "policy/load.hpp"

namespace pgwarden::cli {
namespace {

struct ShowOptions {
  std::string policy_path;
  std::string format = "text";
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

int show(const ShowOptions& o) {
  std::optional<std::filesystem::path> explicit_path;
  if (!o.policy_path.empty()) explicit_path = o.policy_path;
  auto loaded = policy::resolve_policy(explicit_path, std::filesystem::current_path());
  if (!loaded) {
    std::cerr << "pgwarden: error: " << loaded.error().to_string() << "\n";
    return k_exit_error;
  }
  const policy::Policy& p = *loaded;
  if (o.format == "json") {
    nlohmann::json actions = nlohmann::json::object();
    for (auto a : sql::all_actions()) {
      actions[std::string(sql::to_string(a))] = {
          {"decision", policy::to_string(p.decision(a))},
          {"source", p.action_from_file[static_cast<std::size_t>(a)] ? "policy" : "default"}};
    }
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : p.tables) {
      nlohmann::json overrides = nlohmann::json::object();
      for (auto a : sql::all_actions()) {
        if (auto d = t.actions[static_cast<std::size_t>(a)]) overrides[std::string(sql::to_string(a))] = policy::to_string(*d);
      }
      nlohmann::json tj = {{"name", t.name.pattern()}, {"append_only", t.append_only}, {"immutable", t.immutable},
                           {"actions", overrides}};
      if (t.mutable_columns) tj["mutable"] = *t.mutable_columns;
      if (t.soft_delete) tj["soft_delete"] = {{"column", t.soft_delete->column}, {"value", t.soft_delete->value_sql}};
      tables.push_back(std::move(tj));
    }
    nlohmann::json out = {{"name", p.name}, {"document", p.document}, {"source", p.source},
                          {"search_path", p.search_path}, {"immutable_columns", p.immutable_columns},
                          {"actions", actions}, {"tables", tables},
                          {"db", {{"schema", p.db.schema}, {"service_role", p.db.service_role}, {"roles", p.db.roles}}}};
    std::cout << out.dump(2) << "\n";
    return k_exit_allowed;
  }
  std::cout << fmt::format("policy:    {}\n", p.name);
  std::cout << fmt::format("document:  {}\n", p.document.empty() ? "(none)" : p.document);
  std::cout << fmt::format("source:    {}\n", p.source.empty() ? "(built-in defaults: no pgwarden.toml found)" : p.source);
  std::cout << fmt::format("search_path: {}\n", join(p.search_path));
  if (!p.immutable_columns.empty()) std::cout << fmt::format("immutable on every table: {}\n", join(p.immutable_columns));
  std::cout << "\nactions (everywhere unless a table says otherwise):\n";
  for (auto a : sql::all_actions()) {
    const bool from_file = p.action_from_file[static_cast<std::size_t>(a)];
    std::cout << fmt::format("  {:<22} {:<8} {:<8} {}\n", sql::to_string(a), policy::to_string(p.decision(a)),
                             from_file ? "policy" : "default", sql::describe(a));
  }
  for (std::size_t i = 0; i < p.tables.size(); ++i) {
    const auto& t = p.tables[i];
    std::cout << fmt::format("\ntables #{}: {}{}\n", i + 1, t.name.pattern(), t.line > 0 ? fmt::format("  (line {})", t.line) : "");
    if (t.append_only) std::cout << "  append_only: INSERT only (no UPDATE, DELETE, TRUNCATE, MERGE update/delete)\n";
    if (!t.immutable.empty()) std::cout << fmt::format("  immutable: {}\n", join(t.immutable));
    if (t.mutable_columns) std::cout << fmt::format("  mutable (only these may be UPDATEd): {}\n", join(*t.mutable_columns));
    if (t.soft_delete) std::cout << fmt::format("  soft_delete: SET {} = {}\n", t.soft_delete->column, t.soft_delete->value_sql);
    if (!t.hint.empty()) std::cout << fmt::format("  hint: {}\n", t.hint);
    for (auto a : sql::all_actions()) {
      if (auto d = t.actions[static_cast<std::size_t>(a)]) {
        std::cout << fmt::format("  {:<22} {:<8} (everywhere else: {})\n", sql::to_string(a), policy::to_string(*d),
                                 policy::to_string(p.decision(a)));
      }
    }
  }
  std::cout << "\ndb (pgwarden db protect):\n";
  std::cout << fmt::format("  schema:       {}\n", p.db.schema);
  std::cout << fmt::format("  service_role: {} (the only role that may write grants)\n", p.db.service_role);
  std::cout << fmt::format("  roles:        {}\n",
                           p.db.roles.empty() ? "(none: no privileges are revoked)" : join(p.db.roles));
  return k_exit_allowed;
}

}  // namespace

void add_policy(CLI::App& command, int& exit_code) {
  command.require_subcommand(1);
  auto opts = std::make_shared<ShowOptions>();
  auto* sub = command.add_subcommand("show", "Print the effective decision for every action, globally and per table");
  sub->add_option("--policy", opts->policy_path, "Policy file (default: ./pgwarden.toml or the nearest parent's)");
  sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  sub->callback([opts, &exit_code] { exit_code = show(*opts); });
}

}  // namespace pgwarden::cli
