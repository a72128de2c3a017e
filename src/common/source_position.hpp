// Byte offsets into a text turned into the 1-based line:column that editors and PostgreSQL's
// own error carets use. Columns count characters (UTF-8 code points), not bytes.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace pgwarden {

struct SourcePosition {
  int line = 1;
  int column = 1;
};

class LineIndex {
 public:
  explicit LineIndex(std::string_view text);

  // Position of the byte at `offset` (clamped to the end of the text).
  [[nodiscard]] SourcePosition position(std::size_t offset) const;

  // The whole line that holds `offset`, without its line terminator.
  [[nodiscard]] std::string_view line_text(std::size_t offset) const;

 private:
  std::string_view m_text;
  std::vector<std::size_t> m_line_starts;
};

// Number of UTF-8 code points in `bytes` (continuation bytes are not counted).
std::size_t count_code_points(std::string_view bytes);

}  // namespace pgwarden
