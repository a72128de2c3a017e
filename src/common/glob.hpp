// Shell-style globs for table names in the policy file: `*` (any run), `?` (one character),
// `[abc]`, `[a-z]`, `[!x]`, and `\` to escape. Compiled once, validated on load so that a bad
// glob is a policy-file error rather than a silent non-match.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace pgwarden {

class Glob {
 public:
  static Expected<Glob> compile(std::string_view pattern);

  [[nodiscard]] bool matches(std::string_view text) const;
  [[nodiscard]] const std::string& pattern() const { return m_pattern; }
  // True when the pattern has no wildcard: it names exactly one thing.
  [[nodiscard]] bool is_literal() const { return m_literal; }

 private:
  std::string m_pattern;
  bool m_literal = true;
};

}  // namespace pgwarden
