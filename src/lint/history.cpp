// lint: pgwarden.sum, written and checked (the format and why it exists: history.hpp).
//
// Checking runs in three passes over the lock: each locked file is still there and unchanged;
// the locked files that remain keep their relative order (the files not in a longest
// increasing run of current positions are the ones that moved, so one moved file is one
// finding, not one per file it jumped over); and no file new to the lock runs before the last
// locked one.
#include "lint/history.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

namespace pgwarden::lint {
namespace {

constexpr std::string_view k_magic = "pgwarden.sum";
constexpr std::string_view k_version = "v1";
constexpr std::size_t k_hex_size = 64;

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data) {
  Digest out{};
  unsigned int size = 0;
  // Fails only when OpenSSL itself is broken (no memory, no SHA-256): nothing input can cause.
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != out.size()) {
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  }
  return out;
}

std::string hex(const Digest& digest) {
  static constexpr std::string_view k_digits = "0123456789abcdef";
  std::string out;
  out.reserve(k_hex_size);
  for (const unsigned char byte : digest) {
    out += k_digits[byte >> 4U];
    out += k_digits[byte & 0xfU];
  }
  return out;
}

// The value of a lowercase hex digit; -1 for anything else.
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// 64 lowercase hex digits, or nothing.
std::optional<Digest> unhex(std::string_view text) {
  if (text.size() != k_hex_size) return std::nullopt;
  Digest out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = nibble(text[2 * i]);
    const int low = nibble(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return out;
}

Digest chain_next(const Digest& previous, std::string_view path, const Digest& file) {
  std::string input(previous.begin(), previous.end());
  input += path;
  input += '\0';
  input.append(file.begin(), file.end());
  return sha256(input);
}

bool needs_quotes(std::string_view path) {
  return path.empty() || path.front() == '"' || std::any_of(path.begin(), path.end(), [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return u <= ' ' || u == 0x7f || c == '\\' || c == '"';
         });
}

std::string quote(std::string_view path) {
  if (!needs_quotes(path)) return std::string(path);
  std::string out = "\"";
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < ' ' || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + '"';
}

tl::unexpected<Error> error_at(const std::string& file, int line, std::size_t column,
                               std::string message) {
  return tl::unexpected<Error>(Error{std::move(message), file, line, static_cast<int>(column), {}});
}

// The path at the start of `line` (bare or quoted) and the index just past it.
Expected<std::pair<std::string, std::size_t>> read_path(std::string_view line,
                                                        const std::string& file, int number) {
  if (line.empty() || line.front() != '"') {
    const std::size_t end = std::min(line.find(' '), line.size());
    if (end == 0) return error_at(file, number, 1, "expected a path");
    return std::pair{std::string(line.substr(0, end)), end};
  }
  std::string out;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '"') return std::pair{out, i + 1};
    if (line[i] != '\\') {
      out += line[i];
      continue;
    }
    if (++i == line.size()) break;
    switch (line[i]) {
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'x': {
        const int high = i + 2 < line.size() ? nibble(line[i + 1]) : -1;
        const int low = i + 2 < line.size() ? nibble(line[i + 2]) : -1;
        if (high < 0 || low < 0)
          return error_at(file, number, i, "expected two lowercase hex digits after \\x");
        out += static_cast<char>(high * 16 + low);
        i += 2;
        break;
      }
      default:
        return error_at(file, number, i, fmt::format("unknown escape \\{}", line[i]));
    }
  }
  return error_at(file, number, 1, "unterminated quoted path");
}

// The header, `pgwarden.sum v1 <hash>`: the hash.
Expected<std::string> read_header(std::string_view line, const std::string& file) {
  const std::string magic = fmt::format("{} ", k_magic);
  const std::string expected = fmt::format("{} {} ", k_magic, k_version);
  if (line.substr(0, magic.size()) != magic) {
    return error_at(file, 1, 1,
                    "not a pgwarden.sum file: the first line must be `pgwarden.sum v1 <hash>`");
  }
  if (line.substr(0, expected.size()) != expected) {
    return error_at(file, 1, magic.size() + 1,
                    "unsupported pgwarden.sum version (this pgwarden reads v1)");
  }
  const std::string_view hash = line.substr(expected.size());
  if (!unhex(hash)) {
    return error_at(file, 1, expected.size() + 1, "the header hash is not 64 lowercase hex digits");
  }
  return std::string(hash);
}

// An entry, `<path> <sha256> <chain>`, as written (the chain is checked by the caller).
Expected<SumEntry> read_entry(std::string_view line, const std::string& file, int number) {
  auto path = read_path(line, file, number);
  if (!path) return tl::unexpected(path.error());
  auto [name, end] = *path;
  const std::string_view rest = line.substr(end);
  if (rest.size() != 2 * (k_hex_size + 1) || rest[0] != ' ' || rest[k_hex_size + 1] != ' ') {
    return error_at(file, number, end + 1,
                    "expected `<path> <sha256> <chained sha256>` after the path");
  }
  const std::string_view digest = rest.substr(1, k_hex_size);
  const std::string_view chain = rest.substr(k_hex_size + 2);
  if (!unhex(digest) || !unhex(chain)) {
    return error_at(file, number, end + 2, "a hash is not 64 lowercase hex digits");
  }
  if (name.front() == '/') {
    return error_at(file, number, 1, "paths are relative to pgwarden.sum's folder");
  }
  return SumEntry{std::move(name), std::string(digest), std::string(chain), number, 0};
}

// "db/pgwarden.sum" -> "db/"; "pgwarden.sum" -> "".
std::string folder_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

constexpr std::string_view k_relock =
    "If the change is intended and this migration was never applied anywhere, run `pgwarden "
    "lint --lock` and commit pgwarden.sum with a reviewer's approval.";

Finding finding(std::string rule, std::string file, Position at, std::string message,
                std::string detail, std::string_view hint) {
  Finding f;
  f.rule = std::move(rule);
  f.severity = Severity::error;
  f.file = std::move(file);
  f.line = at.line;
  f.column = at.column;
  f.offset = at.offset;
  f.message = std::move(message);
  f.detail = std::move(detail);
  f.hint = fmt::format("{}\n{}", hint, k_relock);
  return f;
}

// The indices (into `values`) of one longest strictly increasing subsequence.
std::vector<std::size_t> longest_increasing(const std::vector<std::size_t>& values) {
  std::vector<std::size_t> tails;  // tails[k]: index of the smallest end of a run of length k+1
  std::vector<std::size_t> before(values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto at = std::lower_bound(tails.begin(), tails.end(), values[i],
                                     [&](std::size_t t, std::size_t v) { return values[t] < v; });
    if (at != tails.begin()) before[i] = *(at - 1);
    if (at == tails.end()) {
      tails.push_back(i);
    } else {
      *at = i;
    }
  }
  std::vector<std::size_t> out;
  for (std::size_t i = tails.empty() ? values.size() : tails.back(); i < values.size();
       i = before[i])
    out.push_back(i);
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  return hex(sha256(data));
}

std::string sum_text(const std::vector<LockedFile>& files) {
  Digest chain{};
  std::string body;
  for (const auto& file : files) {
    const Digest digest = sha256(file.content);
    chain = chain_next(chain, file.path, digest);
    body += fmt::format("{} {} {}\n", quote(file.path), hex(digest), hex(chain));
  }
  return fmt::format("{} {} {}\n", k_magic, k_version, hex(chain)) + body;
}

Expected<SumFile> parse_sum(std::string_view text, const std::string& sum_path) {
  SumFile sum;
  sum.path = sum_path;
  Digest chain{};
  std::map<std::string, int> seen;  // path -> line
  bool header = false;
  int number = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t offset = pos;
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // a CRLF checkout
    if (!header) {
      auto final_chain = read_header(line, sum_path);
      if (!final_chain) return tl::unexpected(final_chain.error());
      sum.final_chain = std::move(*final_chain);
      header = true;
      continue;
    }
    if (line.empty()) continue;
    auto entry = read_entry(line, sum_path, number);
    if (!entry) return tl::unexpected(entry.error());
    entry->offset = offset;
    if (const auto [it, fresh] = seen.emplace(entry->path, number); !fresh) {
      return error_at(
          sum_path, number, 1,
          fmt::format("`{}` is listed twice (first on line {})", entry->path, it->second));
    }
    chain = chain_next(chain, entry->path, *unhex(entry->sha256));
    if (hex(chain) != entry->chain) {
      return error_at(sum_path, number, line.size() - k_hex_size + 1,
                      fmt::format("the chained hash of `{}` does not match the entries above it: "
                                  "pgwarden.sum was edited by hand or merged wrongly; regenerate "
                                  "it with `pgwarden lint --lock` and have it reviewed",
                                  entry->path));
    }
    sum.entries.push_back(std::move(*entry));
  }
  if (!header) {
    return error_at(sum_path, 1, 1, "empty: expected the header `pgwarden.sum v1 <hash>`");
  }
  if (hex(chain) != sum.final_chain) {
    return error_at(sum_path, 1, k_magic.size() + k_version.size() + 3,
                    fmt::format("the header hash does not match the entries' chain ({}): entries "
                                "were added or removed by hand; regenerate pgwarden.sum with "
                                "`pgwarden lint --lock` and have it reviewed",
                                hex(chain)));
  }
  return sum;
}

Position first_change(std::string_view before, std::string_view after) {
  struct Line {
    std::size_t start;
    std::string_view text;  // without the '\n'
    bool terminated;
  };
  auto split = [](std::string_view s) {
    std::vector<Line> lines;
    for (std::size_t pos = 0; pos < s.size();) {
      const std::size_t nl = std::min(s.find('\n', pos), s.size());
      lines.push_back(Line{pos, s.substr(pos, nl - pos), nl < s.size()});
      pos = nl + 1;
    }
    return lines;
  };
  // Column in characters of byte `k` of `line` (UTF-8: continuation bytes are not characters).
  auto at = [](int number, const Line& line, std::size_t k) {
    while (k > 0 && k < line.text.size() &&
           (static_cast<unsigned char>(line.text[k]) & 0xC0U) == 0x80U)
      --k;
    const auto chars =
        std::count_if(line.text.begin(), line.text.begin() + static_cast<std::ptrdiff_t>(k),
                      [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; });
    return Position{number, static_cast<int>(chars) + 1, line.start + k};
  };
  const auto old_lines = split(before);
  const auto new_lines = split(after);
  const std::size_t common = std::min(old_lines.size(), new_lines.size());
  for (std::size_t i = 0; i < common; ++i) {
    const Line& o = old_lines[i];
    const Line& n = new_lines[i];
    if (o.text != n.text) {
      const auto diff = std::mismatch(o.text.begin(), o.text.end(), n.text.begin(), n.text.end());
      return at(static_cast<int>(i) + 1, n, static_cast<std::size_t>(diff.second - n.text.begin()));
    }
    // Same text, one of them without the final newline: only the last line of the shorter text.
    if (o.terminated != n.terminated && old_lines.size() == new_lines.size())
      return at(static_cast<int>(i) + 1, n, n.text.size());
  }
  if (new_lines.size() > common)  // lines added at the end: the first one
    return Position{static_cast<int>(common) + 1, 1, new_lines[common].start};
  if (common == 0) return Position{};
  return at(static_cast<int>(common), new_lines[common - 1], 0);  // lines removed from the end
}

std::vector<Finding> verify_history(const SumFile& sum, const std::vector<LockedFile>& current,
                                    const PreviousContent& previous,
                                    const std::string& sum_display_path) {
  const std::string folder = folder_of(sum_display_path);
  std::map<std::string, std::size_t> now;  // path -> position in current
  for (std::size_t i = 0; i < current.size(); ++i) now.emplace(current[i].path, i);
  std::map<std::string, std::size_t> locked;  // path -> position in the sum
  for (std::size_t i = 0; i < sum.entries.size(); ++i) locked.emplace(sum.entries[i].path, i);
  std::vector<Finding> out;

  // 1. Every locked file is still there, unchanged.
  std::vector<const SumEntry*> kept;  // in locked order
  for (const auto& entry : sum.entries) {
    const auto it = now.find(entry.path);
    if (it == now.end()) {
      out.push_back(finding(
          "history.removed", sum_display_path, Position{entry.line, 1, entry.offset},
          fmt::format("`{}` is locked in {} but no longer exists", entry.path, sum_display_path),
          "A database that already applied it keeps its changes, and its history no longer "
          "matches the files: a fresh database built from them differs from production.",
          "Applied migrations are never removed: restore the file, and write a new migration that "
          "undoes what it did if that is the intent."));
      continue;
    }
    kept.push_back(&entry);
    const LockedFile& file = current[it->second];
    const std::string digest = sha256_hex(file.content);
    if (digest == entry.sha256) continue;
    std::optional<std::string> old = previous ? previous(entry.path) : std::nullopt;
    if (old && sha256_hex(*old) != entry.sha256) old.reset();  // not the locked text
    const Position at = old ? first_change(*old, file.content) : Position{};
    out.push_back(finding(
        "history.edited", folder + file.path, at,
        old ? fmt::format("`{}` was edited after it was locked in {}: first change at line {}",
                          file.path, sum_display_path, at.line)
            : fmt::format("`{}` was edited after it was locked in {} (the first changed line is "
                          "unknown: the locked text is not available)",
                          file.path, sum_display_path),
        fmt::format("{} line {} locks it at sha256 {}; it now hashes to {}. A database that "
                    "already applied the locked text will never run the new one, so "
                    "environments drift apart silently.",
                    sum_display_path, entry.line, entry.sha256, digest),
        "Applied migrations are never edited: restore the locked text and write a new migration "
        "that makes the change."));
  }

  // 2. The locked files that remain keep their order.
  std::vector<std::size_t> positions;
  positions.reserve(kept.size());
  for (const SumEntry* entry : kept) positions.push_back(now.at(entry->path));
  const auto in_order = longest_increasing(positions);
  std::vector<bool> stays(kept.size(), false);
  for (const std::size_t i : in_order) stays[i] = true;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (stays[i]) continue;
    // Its nearest neighbours that stayed: it runs before the one above it or after the one below.
    std::optional<std::size_t> above;
    std::optional<std::size_t> below;
    for (std::size_t j = i; j-- > 0;) {
      if (stays[j]) {
        above = j;
        break;
      }
    }
    for (std::size_t j = i + 1; j < kept.size(); ++j) {
      if (stays[j]) {
        below = j;
        break;
      }
    }
    const std::string& path = kept[i]->path;
    // One of the two holds, or the file could join the run that stayed and would have stayed.
    const std::string message =
        above && positions[i] < positions[*above]
            ? fmt::format("`{}` was locked after `{}` but now runs before it", path,
                          kept[*above]->path)
            : fmt::format("`{}` was locked before `{}` but now runs after it", path,
                          kept[below.value_or(i)]->path);
    out.push_back(finding(
        "history.reordered", folder + path, Position{}, message,
        fmt::format("{} locks the order in which migrations ran. A database that already applied "
                    "them in the locked order, and a fresh one built in the new order, can end up "
                    "with different schemas.",
                    sum_display_path),
        "Applied migrations are never renumbered or renamed: restore the locked order, and write "
        "a new migration for any change."));
  }

  // 3. No new file runs before the last locked one.
  if (!positions.empty()) {
    const std::size_t last = *std::max_element(positions.begin(), positions.end());
    for (std::size_t i = 0; i < last; ++i) {
      if (locked.count(current[i].path) != 0) continue;
      out.push_back(finding(
          "history.non-linear", folder + current[i].path, Position{},
          fmt::format("`{}` is not in {} but runs before `{}`, the last locked migration",
                      current[i].path, sum_display_path, current[last].path),
          fmt::format("Databases that already applied `{}` are past this point: most migration "
                      "tools then skip the new file or refuse to run, and a fresh database runs it "
                      "in a different order than production did.",
                      current[last].path),
          fmt::format("Applied migrations are never preceded by new ones: rename this migration "
                      "so that it sorts after `{}`.",
                      current[last].path)));
    }
  }
  return out;
}

}  // namespace pgwarden::lint
