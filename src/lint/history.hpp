// lint: the migration history lock, `pgwarden.sum` (`pgwarden lint --lock` writes it; every
// later `pgwarden lint` checks the migrations against it).
//
// The rule it enforces: a migration is never edited once it has been applied or merged. A
// database that already ran the old text will never run the new one, so environments drift
// apart silently. An intended change is a new migration. The lock records each file's SHA-256
// in migration order and reports a locked file that was edited, removed or reordered, and a new
// file inserted before the last locked one.
//
// Format (one line each, '\n'-terminated):
//   pgwarden.sum v1 <final chained hash>
//   <path> <sha256 of the content> <chained hash>
// paths are relative to the sum file's folder with '/' separators, written bare unless they
// hold a space, quote, backslash or control character, then quoted with C escapes. The chained
// hash of entry i is sha256(chain(i-1) || path || '\0' || sha256(content)) over raw 32-byte
// digests, chain(-1) = 32 zero bytes; the header repeats the last one (zeros: no entries).
// The chain catches hand edits, truncation and bad merge resolutions; it is not a signature
// (anyone can regenerate the file), which is why `--changed-since` also checks against the sum
// file as it was at the merge-base.
//
// In: file texts and the sum file's text. Out: the sum text, findings. No file or git I/O here
// (git.hpp does that for the caller).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "lint/report.hpp"

namespace pgwarden::lint {

// One migration file as the lock sees it.
struct LockedFile {
  std::string path;  // relative to the sum file's folder, '/' separators
  std::string content;
};

struct SumEntry {
  std::string path;
  std::string sha256;      // of the content, lowercase hex
  std::string chain;       // lowercase hex
  int line = 0;            // 1-based line of the entry in the sum file
  std::size_t offset = 0;  // byte offset of that line
};

struct SumFile {
  std::string path;               // as given to parse_sum, for messages
  std::string final_chain;        // the header's hash
  std::vector<SumEntry> entries;  // in migration order
};

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The text of pgwarden.sum for `files` in this order (migration order; paths unique).
std::string sum_text(const std::vector<LockedFile>& files);

// A sum file's entries. A malformed line, a duplicate path, or a hash that does not match the
// chain (a tampered header or entry) is an error naming `sum_path` and the line.
Expected<SumFile> parse_sum(std::string_view text, const std::string& sum_path);

// The locked text of a file (its path as in the sum), when the caller can find it; nothing
// otherwise. Text that does not hash to the locked SHA-256 is ignored.
using PreviousContent = std::function<std::optional<std::string>(const std::string& path)>;

// Findings for `current` (in migration order) against `sum`: history.edited (at the first
// changed line), history.removed (at the sum file's line), history.reordered,
// history.non-linear. A new file after the last locked one is not a finding. Finding files are
// the paths joined to the folder of `sum_display_path` ("db/pgwarden.sum" -> "db/<path>").
std::vector<Finding> verify_history(const SumFile& sum, const std::vector<LockedFile>& current,
                                    const PreviousContent& previous,
                                    const std::string& sum_display_path);

// Where `after` first differs from `before`, 1-based: the first differing line (and column, in
// characters, within it); the first added line when `after` extends `before`; the last line
// when lines were only removed from the end.
struct Position {
  int line = 1;
  int column = 1;
  std::size_t offset = 0;  // byte offset of the position in `after`
};
Position first_change(std::string_view before, std::string_view after);

}  // namespace pgwarden::lint
