#include "common/source_position.hpp"

#include <algorithm>

namespace pgwarden {

LineIndex::LineIndex(std::string_view text) : m_text(text) {
  m_line_starts.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') m_line_starts.push_back(i + 1);
  }
}

SourcePosition LineIndex::position(std::size_t offset) const {
  offset = std::min(offset, m_text.size());
  auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
  const auto line = static_cast<std::size_t>(it - m_line_starts.begin());  // 1-based
  const std::size_t start = m_line_starts[line - 1];
  const auto column = count_code_points(m_text.substr(start, offset - start)) + 1;
  return {static_cast<int>(line), static_cast<int>(column)};
}

std::string_view LineIndex::line_text(std::size_t offset) const {
  offset = std::min(offset, m_text.size());
  auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
  const std::size_t start = *(it - 1);
  std::size_t end = m_text.find('\n', start);
  if (end == std::string_view::npos) end = m_text.size();
  if (end > start && m_text[end - 1] == '\r') --end;
  return m_text.substr(start, end - start);
}

std::size_t count_code_points(std::string_view bytes) {
  return static_cast<std::size_t>(std::count_if(bytes.begin(), bytes.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

}  // namespace pgwarden
