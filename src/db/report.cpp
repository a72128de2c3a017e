#include "db/report.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace pgwarden::db {
namespace {

std::size_t differences(const Outcome& o) {
  return o.plan.changes.size() + o.plan.problems.size() + o.plan.warnings.size();
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::install:
      return "install";
    case Mode::dry_run:
      return "dry-run";
    case Mode::check:
      return "check";
  }
  return "";
}

}  // namespace

std::string_view to_string(Change::Kind kind) {
  switch (kind) {
    case Change::Kind::base:
      return "base";
    case Change::Kind::missing:
      return "missing";
    case Change::Kind::outdated:
      return "outdated";
    case Change::Kind::extra:
      return "extra";
    case Change::Kind::disabled:
      return "disabled";
    case Change::Kind::registry:
      return "registry";
    case Change::Kind::drift:
      return "drift";
    case Change::Kind::privilege:
      return "privilege";
  }
  return "";
}

std::string render_text(const Outcome& o) {
  std::string out = fmt::format("pgwarden db protect{}: {}; policy {}\n",
                                o.mode == Mode::check     ? " --check"
                                : o.mode == Mode::dry_run ? " --dry-run"
                                                          : "",
                                o.database, o.policy_file);
  const auto& plan = o.plan;
  // One line per difference, in every mode: what was found (and, without --check, changed).
  for (const auto& c : plan.changes) out += fmt::format("  {:<10} {}\n", to_string(c.kind), c.what);
  for (const auto& p : plan.problems) out += fmt::format("  NOT INSTALLED: {}\n", p);
  for (const auto& w : plan.warnings) out += fmt::format("  warning: {}\n", w);
  switch (o.mode) {
    case Mode::check:
      out += differences(o) == 0
                 ? "in sync: the database holds every guard the policy asks for, and nothing else\n"
                 : fmt::format("{} difference{} between the policy and the database\n",
                               differences(o), differences(o) == 1 ? "" : "s");
      break;
    case Mode::dry_run:
      out += plan.changes.empty()
                 ? "nothing to change\n"
                 : fmt::format("{} change{} would be made (nothing was changed)\n",
                               plan.changes.size(), plan.changes.size() == 1 ? "" : "s");
      break;
    case Mode::install:
      if (plan.blocked) {
        out += "nothing was installed\n";
      } else if (plan.changes.empty()) {
        out += "nothing to change: the database already holds every guard the policy asks for\n";
      } else {
        out += fmt::format("{} change{} made and recorded in the log\n", plan.changes.size(),
                           plan.changes.size() == 1 ? "" : "s");
      }
      break;
  }
  return out;
}

std::string render_json(const Outcome& o) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : o.plan.changes) {
    changes.push_back({{"kind", std::string(to_string(c.kind))},
                       {"subject", c.subject},
                       {"what", c.what},
                       {"sql", c.sql}});
  }
  nlohmann::json out = {{"mode", mode_name(o.mode)},    {"database", o.database},
                        {"policy_file", o.policy_file}, {"applied", o.applied},
                        {"changes", changes},           {"problems", o.plan.problems},
                        {"warnings", o.plan.warnings},  {"differences", differences(o)}};
  return out.dump(2) + "\n";
}

std::string render_sql(const Outcome& o) {
  std::string out =
      fmt::format("-- pgwarden db protect --dry-run: {}; policy {}\n", o.database, o.policy_file);
  for (const auto& p : o.plan.problems) out += fmt::format("-- NOT INSTALLED: {}\n", p);
  for (const auto& w : o.plan.warnings) out += fmt::format("-- warning: {}\n", w);
  if (o.plan.changes.empty()) return out + "-- nothing to change\n";
  out += "BEGIN;\n";
  for (const auto& c : o.plan.changes) out += fmt::format("\n-- {}\n{}\n", c.what, c.sql);
  return out + "\nCOMMIT;\n";
}

int exit_code(const Outcome& o) {
  switch (o.mode) {
    case Mode::check:
      return differences(o) == 0 ? 0 : 1;
    case Mode::install:
      return o.plan.problems.empty() ? 0 : 1;
    case Mode::dry_run:
      return 0;
  }
  return 0;
}

}  // namespace pgwarden::db
