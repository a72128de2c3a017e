// Framing of the PostgreSQL protocol 3 byte stream: where one message ends and the next begins.
//
// Every message after the startup packet is a type byte, an int32 length that counts itself but
// not the type, and the body. The startup packet, SSLRequest, GSSENCRequest and CancelRequest
// have no type byte. The length is validated before anything is allocated (PgBouncer shipped an
// integer overflow in exactly this place): below 4 or above the limit is `invalid`, never a huge
// buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pgwarden::proxy::wire {

enum class FrameStatus : unsigned char { complete, need_more, invalid };

struct Frame {
  FrameStatus status = FrameStatus::need_more;
  char type = 0;               // 0 for an untyped (startup-phase) packet
  std::uint32_t length = 0;    // the length field: body + 4
  std::size_t size = 0;        // bytes of the whole message in the stream (type + length field + body)
  std::string_view body;       // complete only
};

// Header sizes.
inline constexpr std::size_t k_typed_header = 5;
inline constexpr std::size_t k_untyped_header = 4;

std::uint32_t read_u32(const char* p);
void put_u32(char* p, std::uint32_t value);

// The next typed message at the start of `buffer`, body included.
Frame next_frame(std::string_view buffer, std::size_t max_length);
// The next startup-phase packet (no type byte) at the start of `buffer`.
Frame next_startup_frame(std::string_view buffer, std::size_t max_length);
// Just the header: status `complete` once 5 bytes are there and the length is sane, body empty.
Frame peek_header(std::string_view buffer, std::size_t max_length);

}  // namespace pgwarden::proxy::wire
