#include "cli/output.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/source_position.hpp"

namespace pgwarden::cli {
namespace {

using policy::Decision;

std::string paint(const TextStyle& s, std::string_view code, std::string_view text) {
  if (!s.color) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

// PostgreSQL's "LINE n: <text>" with a caret under the column.
std::string caret_block(std::string_view source, std::size_t offset) {
  const LineIndex lines(source);
  const SourcePosition pos = lines.position(offset);
  std::string line(lines.line_text(offset));
  for (auto& c : line) c = c == '\t' ? ' ' : c;
  const std::string prefix = fmt::format("LINE {}: ", pos.line);
  return fmt::format("{}{}\n{}^\n", prefix, line, std::string(prefix.size() + static_cast<std::size_t>(pos.column) - 1, ' '));
}

std::string object_json(const sql::ObjectName& o) {
  if (o.empty()) return {};
  return o.schema.empty() ? o.name : o.schema + "." + o.name;
}

}  // namespace

Decision overall(const std::vector<Judged>& judged) {
  Decision d = Decision::allow;
  for (const auto& j : judged) d = std::max(d, j.verdict.decision);
  return d;
}

std::string render_text(std::string_view source, const std::vector<Judged>& judged, const policy::Policy& policy,
                        const TextStyle& style) {
  std::string out;
  int refused = 0;
  int warned = 0;
  for (const auto& j : judged) {
    const auto& st = j.statement;
    if (j.verdict.findings.empty()) {
      if (style.verbose) {
        std::string actions;
        for (auto a : j.verdict.actions) actions += (actions.empty() ? "" : ", ") + std::string(sql::to_string(a));
        out += fmt::format("{} {}:{} ({}): {}\n", paint(style, "32", "ALLOWED:"), st.location.line,
                           st.location.column, actions, st.text);
      }
      continue;
    }
    if (policy::refuses(j.verdict.decision)) {
      ++refused;
    } else {
      ++warned;
    }
    for (const auto& f : j.verdict.findings) {
      const bool refuses = policy::refuses(f.decision);
      const std::string level = refuses ? paint(style, "1;31", "ERROR:") : paint(style, "1;33", "WARNING:");
      out += fmt::format("{}  {}: {}\n", level, sql::to_string(f.action), f.message);
      out += fmt::format("DETAIL:  {}\n", f.detail);
      if (!f.hint.empty()) out += fmt::format("{}  {}\n", paint(style, "36", "HINT:"), f.hint);
      std::size_t at = st.location.offset;
      if (f.action == sql::Action::parse_error && st.analysis->error_offset > 0) {
        at += std::min(st.analysis->error_offset, st.location.length);
      }
      out += caret_block(source, at);
    }
    out += "\n";
  }
  const auto total = judged.size();
  out += fmt::format("pgwarden: {} statement{}: {} allowed, {} warned, {} refused (policy: {}{})\n", total,
                     total == 1 ? "" : "s", total - static_cast<std::size_t>(refused + warned), warned, refused,
                     policy.name, policy.source.empty() ? "" : ", " + policy.source);
  return out;
}

nlohmann::json render_json(const std::vector<Judged>& judged, const policy::Policy& policy) {
  nlohmann::json statements = nlohmann::json::array();
  for (const auto& j : judged) {
    const auto& st = j.statement;
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : j.verdict.findings) {
      nlohmann::json fj = {
          {"action", sql::to_string(f.action)},
          {"object", object_json(f.object)},
          {"kind", sql::to_string(f.kind)},
          {"decision", policy::to_string(f.decision)},
          {"message", f.message},
          {"detail", f.detail},
          {"hint", f.hint},
          {"rule", f.rule},
          {"via", sql::to_string(f.via)},
      };
      if (!f.columns.empty()) fj["columns"] = f.columns;
      if (!f.via_name.empty()) fj["via_name"] = f.via_name;
      findings.push_back(std::move(fj));
    }
    nlohmann::json actions = nlohmann::json::array();
    for (auto a : j.verdict.actions) actions.push_back(sql::to_string(a));
    statements.push_back({
        {"sql", st.text},
        {"location",
         {{"line", st.location.line}, {"column", st.location.column}, {"offset", st.location.offset},
          {"length", st.location.length}}},
        {"decision", policy::to_string(j.verdict.decision)},
        {"actions", actions},
        {"findings", findings},
    });
  }
  return {
      {"decision", policy::to_string(overall(judged))},
      {"policy", {{"name", policy.name}, {"document", policy.document}, {"source", policy.source}}},
      {"statements", statements},
  };
}

}  // namespace pgwarden::cli
