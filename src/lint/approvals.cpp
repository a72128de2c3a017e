#include "lint/approvals.hpp"

#include <regex>

namespace pgwarden::lint {

std::vector<Approval> approvals_in(std::string_view gap, std::size_t base) {
  static const std::regex k_approve(R"(--\s*pgwarden:approve\b[ \t]*([^\s]*)[ \t]*(.*))");
  static const std::regex k_reason(R"(reason:\s*(\S.*?)\s*)");
  std::vector<Approval> out;
  std::size_t pos = 0;
  while (pos < gap.size()) {
    std::size_t nl = gap.find('\n', pos);
    if (nl == std::string_view::npos) nl = gap.size();
    const std::string line(gap.substr(pos, nl - pos));
    const auto dashes = line.find("pgwarden:approve") == std::string::npos ? std::string::npos : line.find("--");
    std::smatch m;
    if (dashes != std::string::npos) {
      const std::string comment = line.substr(dashes);
      if (std::regex_match(comment, m, k_approve)) {
        Approval a;
        a.name = m[1].str();
        a.offset = base + pos + dashes;
        std::smatch r;
        const std::string rest = m[2].str();
        if (std::regex_match(rest, r, k_reason)) a.reason = r[1].str();
        out.push_back(std::move(a));
      }
    }
    pos = nl + 1;
  }
  return out;
}

bool says_no_transaction(std::string_view text) {
  static const std::regex k_directive(
      R"(\s*--\s*(pgwarden:no-transaction|atlas:txmode\s+none|migrate:up\s+transaction:false)\b.*)");
  for (const std::string_view needle : {"pgwarden:no-transaction", "atlas:txmode", "transaction:false"}) {
    for (std::size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
      const std::size_t begin = text.rfind('\n', at) == std::string_view::npos ? 0 : text.rfind('\n', at) + 1;
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string line(text.substr(begin, end - begin));
      if (std::regex_match(line, k_directive)) return true;
    }
  }
  return false;
}

}  // namespace pgwarden::lint
