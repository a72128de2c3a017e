// The four renderings of a lint report (see lint_output.hpp). Each format follows its consumer:
//
// - text reads like PostgreSQL's own errors (ERROR/DETAIL/HINT, the statement line with a caret,
//   as in output.cpp) behind the `file:line:col:` prefix that compilers use, so terminals and
//   editors jump to the spot;
// - SARIF follows the OASIS SARIF 2.1.0 standard
//   (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) as GitHub code scanning
//   reads it (docs.github.com, "SARIF support for code scanning"): one run, one
//   reportingDescriptor per rule used, columns counted in Unicode code points (run.columnKind)
//   because that is how pgwarden counts them, and approved findings kept as results with an
//   inSource suppression, so they show as dismissed rather than vanish;
// - GitHub workflow commands follow the runner's parser
//   (https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts): data escapes
//   %, CR and LF; property values also escape ':' and ',' which delimit properties.
#include "cli/lint_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "common/source_position.hpp"

namespace pgwarden::cli {
namespace {

using lint::Finding;
using lint::Severity;

// ---- text ----

std::string paint(const LintTextStyle& style, std::string_view code, std::string_view text) {
  if (!style.color) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

std::string_view label(Severity severity) {
  switch (severity) {
    case Severity::note:
      return "NOTE:";
    case Severity::warning:
      return "WARNING:";
    case Severity::error:
      return "ERROR:";
  }
  return "ERROR:";
}

std::string_view label_color(Severity severity) {
  switch (severity) {
    case Severity::note:
      return "1";  // bold
    case Severity::warning:
      return "1;33";  // bold yellow
    case Severity::error:
      return "1;31";  // bold red
  }
  return "1;31";
}

// `LABEL  text`, where the second and later lines of a multi-line text start under the first
// line's text, so that a hint's steps stay aligned and can be copied as they stand.
std::string labelled(std::string_view painted_label, std::size_t label_width,
                     std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  const std::string indent(label_width, ' ');
  std::string out(painted_label);
  out += "  ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  out += '\n';
  return out;
}

// PostgreSQL's "LINE n: <text>" with a caret under the finding's character. Tabs become single
// spaces so that the caret, which counts characters, stays under the right one.
std::string caret_block(std::string_view content, std::size_t offset) {
  const LineIndex lines(content);
  const SourcePosition pos = lines.position(offset);
  std::string line(lines.line_text(offset));
  std::replace(line.begin(), line.end(), '\t', ' ');
  const std::string prefix = fmt::format("LINE {}: ", pos.line);
  return fmt::format("{}{}\n{}^\n", prefix, line,
                     std::string(prefix.size() + static_cast<std::size_t>(pos.column) - 1, ' '));
}

std::string location(const Finding& f) {
  return fmt::format("{}:{}:{}:", f.file, f.line, f.column);
}

std::string counted(std::size_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

// ---- SARIF ----

bool is_absolute_uri(std::string_view uri) {
  // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':'.
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) return false;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(uri[0])) return false;
  return std::all_of(
      uri.begin() + 1, uri.begin() + static_cast<std::ptrdiff_t>(colon), [&](char c) {
        return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
      });
}

// Percent-encodes every byte but RFC 3986's unreserved characters and '/'. Encoding ':' also
// keeps a relative path such as "a:b.sql" from reading as a URI with scheme "a".
std::string percent_encode_path(std::string_view path) {
  std::string out;
  for (char c : path) {
    const auto b = static_cast<unsigned char>(c);
    const bool unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                            (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' ||
                            b == '~' || b == '/';
    if (unreserved) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", b);
    }
  }
  return out;
}

// artifactLocation for a file as the user named it: a relative path stays relative to
// %SRCROOT% (the checkout, for GitHub), with forward slashes and no leading "./"; an absolute
// path becomes a file: URI.
nlohmann::json artifact_location(std::string path) {
  std::replace(path.begin(), path.end(), '\\', '/');
  std::string_view p = path;
  while (p.starts_with("./")) p.remove_prefix(2);
  if (p.starts_with('/')) return {{"uri", "file://" + percent_encode_path(p)}};
  const bool drive = p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) != 0 &&
                     p[1] == ':' && p[2] == '/';
  if (drive)
    return {{"uri", "file:///" + std::string(p.substr(0, 2)) + percent_encode_path(p.substr(2))}};
  return {{"uri", percent_encode_path(p)}, {"uriBaseId", "%SRCROOT%"}};
}

nlohmann::json reporting_descriptor(const std::string& rule, Severity severity,
                                    const RuleInfo& info) {
  nlohmann::json d = {
      {"id", rule},
      {"shortDescription",
       {{"text", info.short_description.empty() ? rule : info.short_description}}},
      {"defaultConfiguration", {{"level", lint::to_string(severity)}}},
  };
  if (is_absolute_uri(info.help_uri)) {
    d["helpUri"] = info.help_uri;
  } else if (!info.help_uri.empty()) {
    d["help"] = {{"text", fmt::format("See {} in pgwarden's documentation.", info.help_uri)}};
  }
  return d;
}

std::string message_with_hint(const Finding& f) {
  if (f.hint.empty()) return f.message;
  return fmt::format("{}\nHint: {}", f.message, f.hint);
}

// ---- GitHub workflow commands ----

std::string escape_data(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_property(std::string_view s) {
  std::string out;
  for (char c : escape_data(s)) {
    switch (c) {
      case ':':
        out += "%3A";
        break;
      case ',':
        out += "%2C";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string_view github_command(Severity severity) {
  switch (severity) {
    case Severity::note:
      return "notice";
    case Severity::warning:
      return "warning";
    case Severity::error:
      return "error";
  }
  return "error";
}

}  // namespace

std::string render_lint_text(const lint::Report& report,
                             const std::function<std::string_view(const std::string&)>& read_file,
                             const LintTextStyle& style) {
  std::string out;
  std::size_t approved = 0;
  bool previous_was_block = false;
  for (const auto& f : report.findings) {
    if (f.approved) {
      // Approved: one line, so the reviewer sees what was waved through and why.
      ++approved;
      if (previous_was_block) out += '\n';
      out += fmt::format(
          "{} {} {}: {}{}\n", location(f), paint(style, "32", "APPROVED:"), f.rule, f.message,
          f.approval_reason.empty() ? "" : fmt::format(" (reason: {})", f.approval_reason));
      previous_was_block = false;
      continue;
    }
    if (!out.empty()) out += '\n';
    out += fmt::format("{} {} {}: {}\n", location(f),
                       paint(style, label_color(f.severity), label(f.severity)), f.rule, f.message);
    if (!f.detail.empty()) out += labelled("DETAIL:", 9, f.detail);
    if (!f.hint.empty()) out += labelled(paint(style, "36", "HINT:"), 7, f.hint);
    const std::string_view content = read_file(f.file);
    if (!content.empty()) out += caret_block(content, f.offset);
    previous_was_block = true;
  }
  if (!out.empty()) out += '\n';
  out += fmt::format("pgwarden lint: {}, {}, {}: {}, {}, {} approved (policy: {}{})\n",
                     counted(report.files, "file"), counted(report.migrations, "migration"),
                     counted(report.statements, "statement"), counted(report.errors(), "error"),
                     counted(report.warnings(), "warning"), approved, report.policy_name,
                     report.policy_source.empty() ? "" : ", " + report.policy_source);
  return out;
}

nlohmann::json render_lint_json(const lint::Report& report) {
  nlohmann::json findings = nlohmann::json::array();
  std::size_t approved = 0;
  for (const auto& f : report.findings) {
    if (f.approved) ++approved;
    findings.push_back({
        {"rule", f.rule},
        {"severity", lint::to_string(f.severity)},
        {"decision", policy::to_string(f.decision)},
        {"file", f.file},
        {"line", f.line},
        {"column", f.column},
        {"message", f.message},
        {"detail", f.detail},
        {"hint", f.hint},
        {"statement", f.statement},
        {"approved", f.approved},
        {"approval_reason", f.approval_reason},
    });
  }
  return {
      {"errors", report.errors()},
      {"warnings", report.warnings()},
      {"approved", approved},
      {"files", report.files},
      {"migrations", report.migrations},
      {"statements", report.statements},
      {"policy", {{"name", report.policy_name}, {"source", report.policy_source}}},
      {"findings", findings},
  };
}

nlohmann::json render_lint_sarif(
    const lint::Report& report, const std::string& tool_version,
    const std::function<RuleInfo(const std::string& rule_id)>& rule_info,
    const std::string& information_uri) {
  nlohmann::json rules = nlohmann::json::array();
  std::map<std::string, std::size_t> rule_index;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& f : report.findings) {
    auto it = rule_index.find(f.rule);
    if (it == rule_index.end()) {
      it = rule_index.emplace(f.rule, rules.size()).first;
      rules.push_back(reporting_descriptor(f.rule, f.severity, rule_info(f.rule)));
    }
    nlohmann::json result = {
        {"ruleId", f.rule},
        {"ruleIndex", it->second},
        {"level", lint::to_string(f.severity)},
        {"message", {{"text", message_with_hint(f)}}},
    };
    nlohmann::json physical = {
        {"artifactLocation", artifact_location(f.file)},
        {"region", {{"startLine", f.line}, {"startColumn", f.column}}},
    };
    result["locations"] =
        nlohmann::json::array({nlohmann::json{{"physicalLocation", std::move(physical)}}});
    if (f.approved) {
      nlohmann::json suppression = {{"kind", "inSource"}};
      if (!f.approval_reason.empty()) suppression["justification"] = f.approval_reason;
      result["suppressions"] = nlohmann::json::array({suppression});
    }
    results.push_back(std::move(result));
  }

  nlohmann::json driver = {{"name", "pgwarden"}};
  if (!tool_version.empty()) driver["version"] = tool_version;
  if (!information_uri.empty()) driver["informationUri"] = information_uri;
  driver["rules"] = std::move(rules);
  nlohmann::json run = {
      {"tool", {{"driver", std::move(driver)}}},
      {"columnKind", "unicodeCodePoints"},
      {"results", std::move(results)},
  };
  return {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", nlohmann::json::array({std::move(run)})},
  };
}

std::string render_lint_github(const lint::Report& report) {
  std::string out;
  for (const auto& f : report.findings) {
    if (f.approved) continue;
    std::string properties;
    if (f.file != "-") {  // standard input has no file to annotate
      properties =
          fmt::format("file={},line={},col={},", escape_property(f.file), f.line, f.column);
    }
    properties += "title=" + escape_property(f.rule);
    std::string message = f.message;
    if (!f.hint.empty()) message += "\n" + f.hint;
    out +=
        fmt::format("::{} {}::{}\n", github_command(f.severity), properties, escape_data(message));
  }
  return out;
}

}  // namespace pgwarden::cli
