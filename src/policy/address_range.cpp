#include "policy/address_range.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace pgwarden::policy {
namespace {

struct Address {
  bool v6 = false;
  bool mapped = false;  // an IPv4-mapped IPv6 address, already turned into its IPv4 address
  std::array<unsigned char, 16> bytes{};
};

// inet_pton's notations: dotted quad for IPv4, RFC 4291 text for IPv6.
std::optional<Address> parse_address(std::string_view text) {
  const std::string s(text);
  Address a;
  if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  bool mapped = a.bytes[10] == 0xff && a.bytes[11] == 0xff;
  for (std::size_t i = 0; i < 10; ++i) mapped = mapped && a.bytes[i] == 0;
  if (!mapped) {
    a.v6 = true;
    return a;
  }
  Address v4;
  v4.mapped = true;
  for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = a.bytes[12 + i];
  return v4;
}

// True when the first `bits` bits of `a` and `b` are equal.
bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b, int bits) {
  std::size_t i = 0;
  for (; bits >= 8; bits -= 8, ++i) {
    if (a[i] != b[i]) return false;
  }
  if (bits == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
  return (a[i] & mask) == (b[i] & mask);
}

std::string display(bool v6, const std::array<unsigned char, 16>& bytes) {
  std::array<char, INET6_ADDRSTRLEN> out{};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), out.data(), out.size());
  return out.data();
}

}  // namespace

Expected<AddressRange> AddressRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  const auto address = parse_address(address_text);
  if (!address) {
    return make_error(fmt::format("'{}' is not an IP address or a CIDR range (\"10.0.0.0/8\", \"::1\")", text));
  }
  AddressRange range;
  range.m_text = std::string(text);
  range.m_v6 = address->v6;
  range.m_bytes = address->bytes;
  const int family_bits = address->v6 ? 128 : 32;
  range.m_prefix = family_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    int prefix = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    const int written_bits = address->mapped ? 128 : family_bits;
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || prefix < 0 ||
        prefix > written_bits) {
      return make_error(fmt::format("'{}': the prefix length after '/' must be a number from 0 to {}", text,
                                    written_bits));
    }
    if (address->mapped) {
      if (prefix < 96) {
        return make_error(fmt::format("'{}': an IPv4-mapped address needs a prefix of at least 96 (write the "
                                      "IPv4 range instead)",
                                      text));
      }
      prefix -= 96;
    }
    range.m_prefix = prefix;
  }
  std::array<unsigned char, 16> network{};
  for (int bit = 0; bit < range.m_prefix; ++bit) {
    const auto i = static_cast<std::size_t>(bit / 8);
    network[i] = static_cast<unsigned char>(network[i] | (range.m_bytes[i] & (0x80 >> (bit % 8))));
  }
  if (network != range.m_bytes) {
    return make_error(fmt::format("'{}' has address bits set beyond its /{} prefix (did you mean \"{}/{}\"?)", text,
                                  range.m_prefix, display(range.m_v6, network), range.m_prefix));
  }
  return range;
}

bool AddressRange::contains(std::string_view address) const {
  // A scoped IPv6 address ("fe80::1%eth0"): the zone names the interface, not the address.
  const auto address_only = address.substr(0, address.find('%'));
  const auto a = parse_address(address_only);
  if (!a || a->v6 != m_v6) return false;
  return same_prefix(a->bytes, m_bytes, m_prefix);
}

}  // namespace pgwarden::policy
