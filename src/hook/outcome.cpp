// hook/outcome: the verdict behind a hook answer and the text that explains it.
//
// describe() writes the one text every agent and person reads, whatever the protocol around it:
//
//   pgwarden refused this command (Ledger Immutability Policy, docs/IMMUTABILITY.md).
//   - psql -c "DROP TABLE users": DROP TABLE users is drop_table, denied by the policy.
//     Instead: ALTER TABLE users RENAME TO users_archived_20261123
//   Only a human can approve this; consent written into the command (...) is not consent.
//
// Agents cap what a hook may say (Claude Code: 10,000 characters per output string), and a
// message cut mid-sentence by the agent would drop the closing line that tells the model it
// cannot talk its way past the refusal. So the text is cut here, whole reasons at a time, with
// a count of what was left out, and never exceeds the limit the caller gives.
#include "hook/outcome.hpp"

#include <algorithm>
#include <string_view>

namespace pgwarden::hook {
namespace {

constexpr std::size_t k_max_command_bytes = 200;   // longer commands are shown shortened
constexpr std::string_view k_ellipsis = "\u2026";  // "…", 3 bytes in UTF-8

constexpr std::string_view k_human_only =
    "Only a human can approve this; consent written into the command (a --force flag, an "
    "environment variable) is not consent.";

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// The largest n <= max such that text[0, n) does not end inside a UTF-8 sequence.
std::size_t utf8_floor(std::string_view text, std::size_t max) {
  std::size_t n = std::min(max, text.size());
  while (n > 0 && n < text.size() && is_utf8_continuation(text[n])) --n;
  return n;
}

// The smallest n >= min such that text[n, end) does not start inside a UTF-8 sequence.
std::size_t utf8_ceil(std::string_view text, std::size_t min) {
  std::size_t n = std::min(min, text.size());
  while (n < text.size() && is_utf8_continuation(text[n])) ++n;
  return n;
}

// A command longer than k_max_command_bytes keeps its beginning (the tool and its flags) and
// its end (usually the SQL's object or the target), with "…" between them.
std::string shorten_command(std::string_view command) {
  if (command.size() <= k_max_command_bytes) return std::string(command);
  const std::size_t keep = k_max_command_bytes - k_ellipsis.size();
  const std::size_t head = utf8_floor(command, keep / 2 + keep % 2);
  const std::size_t tail_begin = utf8_ceil(command, command.size() - keep / 2);
  std::string out(command.substr(0, head));
  out += k_ellipsis;
  out += command.substr(tail_begin);
  return out;
}

// Appends `text` with every line after the first indented by two spaces, so that a multi-line
// command or SQL text stays inside its reason's block.
void append_indented(std::string& out, std::string_view text) {
  for (const char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
}

std::string headline(const Outcome& outcome) {
  std::string line;
  switch (outcome.verdict) {
    case Verdict::deny:
      line = "pgwarden refused this command";
      break;
    case Verdict::ask:
      line = "pgwarden needs a human to decide on this command";
      break;
    case Verdict::warn:
      line = "pgwarden allowed this command with a warning";
      break;
    case Verdict::allow:
      line = "pgwarden allowed this command";
      break;
  }
  if (!outcome.policy_name.empty() || !outcome.policy_document.empty()) {
    line += " (";
    line += outcome.policy_name;
    if (!outcome.policy_name.empty() && !outcome.policy_document.empty()) line += ", ";
    line += outcome.policy_document;
    line += ")";
  }
  line += ".";
  return line;
}

// One reason's lines, each ending in "\n".
std::string reason_block(const Reason& reason) {
  std::string block = "- ";
  if (!reason.command.empty()) {
    append_indented(block, shorten_command(reason.command));
    block += ": ";
  }
  append_indented(block, reason.what);
  block += '\n';
  if (!reason.alternative.empty()) {
    block += "  Instead: ";
    append_indented(block, reason.alternative);
    block += '\n';
  }
  return block;
}

std::string left_out_note(std::size_t count) {
  return "- ... and " + std::to_string(count) + (count == 1 ? " more reason\n" : " more reasons\n");
}

// Last resort for a limit too small for even the headline and the closing line: the longest
// prefix that ends at a line end, or failing that at a character boundary.
std::string hard_cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  const std::size_t newline = text.rfind('\n', limit == 0 ? 0 : limit - 1);
  if (newline != std::string_view::npos && newline > 0) return std::string(text.substr(0, newline));
  return std::string(text.substr(0, utf8_floor(text, limit)));
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::allow:
      return "allow";
    case Verdict::warn:
      return "warn";
    case Verdict::ask:
      return "ask";
    case Verdict::deny:
      return "deny";
  }
  return "deny";
}

void Outcome::add(Reason reason) {
  verdict = std::max(verdict, reason.verdict);
  reasons.push_back(std::move(reason));
}

// The lines are joined by "\n" with no newline after the last one: the text goes into JSON
// strings as is, and the renderers add the newline a terminal wants.
std::string describe(const Outcome& outcome, std::size_t limit) {
  const std::string head = headline(outcome) + '\n';
  const bool refused = outcome.verdict == Verdict::deny || outcome.verdict == Verdict::ask;
  const std::string tail = refused ? std::string(k_human_only) : std::string();

  std::vector<std::string> blocks;
  blocks.reserve(outcome.reasons.size());
  for (const auto& reason : outcome.reasons) blocks.push_back(reason_block(reason));

  auto assemble = [&](std::size_t shown) {
    std::string out = head;
    for (std::size_t i = 0; i < shown; ++i) out += blocks[i];
    if (shown < blocks.size()) out += left_out_note(blocks.size() - shown);
    out += tail;
    if (out.back() == '\n') out.pop_back();
    return out;
  };
  // The size assemble(shown) will have, without building it: the final newline is dropped
  // exactly when there is no closing line.
  const std::size_t trimmed = tail.empty() ? 1 : 0;
  auto size_with = [&](std::size_t shown, std::size_t blocks_bytes) {
    const std::size_t note =
        shown < blocks.size() ? left_out_note(blocks.size() - shown).size() : 0;
    return head.size() + blocks_bytes + note + tail.size() - trimmed;
  };

  // Show the longest prefix of whole reasons that leaves room for the note and the closing
  // line. Reasons come in the order the command runs them, so the first ones matter most.
  std::size_t shown = 0;
  std::size_t blocks_bytes = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    blocks_bytes += blocks[i].size();
    if (size_with(i + 1, blocks_bytes) <= limit) shown = i + 1;
  }
  return hard_cut(assemble(shown), limit);
}

}  // namespace pgwarden::hook
