#include "proxy/wire/frame.hpp"

namespace pgwarden::proxy::wire {

std::uint32_t read_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) |
         std::uint32_t{u[3]};
}

void put_u32(char* p, std::uint32_t value) {
  p[0] = static_cast<char>((value >> 24) & 0xff);
  p[1] = static_cast<char>((value >> 16) & 0xff);
  p[2] = static_cast<char>((value >> 8) & 0xff);
  p[3] = static_cast<char>(value & 0xff);
}

Frame peek_header(std::string_view buffer, std::size_t max_length) {
  Frame f;
  if (buffer.size() < k_typed_header) return f;
  f.type = buffer[0];
  f.length = read_u32(buffer.data() + 1);
  if (f.length < 4 || f.length > max_length) {
    f.status = FrameStatus::invalid;
    return f;
  }
  f.size = std::size_t{f.length} + 1;
  f.status = FrameStatus::complete;
  return f;
}

Frame next_frame(std::string_view buffer, std::size_t max_length) {
  Frame f = peek_header(buffer, max_length);
  if (f.status != FrameStatus::complete) return f;
  if (buffer.size() < f.size) {
    f.status = FrameStatus::need_more;
    return f;
  }
  f.body = buffer.substr(k_typed_header, f.length - 4);
  return f;
}

Frame next_startup_frame(std::string_view buffer, std::size_t max_length) {
  Frame f;
  if (buffer.size() < k_untyped_header) return f;
  f.length = read_u32(buffer.data());
  // The shortest packet is a CancelRequest-sized 8 bytes without its key, an SSLRequest.
  if (f.length < 8 || f.length > max_length) {
    f.status = FrameStatus::invalid;
    return f;
  }
  f.size = f.length;
  if (buffer.size() < f.size) return f;
  f.body = buffer.substr(k_untyped_header, f.length - 4);
  f.status = FrameStatus::complete;
  return f;
}

}  // namespace pgwarden::proxy::wire
