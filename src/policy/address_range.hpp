// An IP address or CIDR range of a [[profiles]] match (`client_address = "10.0.0.0/8"`), in the
// notation of pg_hba.conf's address field (https://www.postgresql.org/docs/15/auth-pg-hba-conf.html):
// an IPv4 or IPv6 address, optionally followed by `/` and a prefix length; without one the range
// is that single address. A range whose address has bits set beyond its prefix ("10.1.2.3/16")
// is refused on load rather than silently widened: it is almost always a typo.
//
// IPv4 and IPv6 are separate families, as in pg_hba.conf: `::/0` does not cover IPv4 clients.
// An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, what a dual-stack listener reports for an
// IPv4 client) is read as the IPv4 address it carries, on both sides.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace pgwarden::policy {

class AddressRange {
 public:
  // `text` is "ADDRESS" or "ADDRESS/PREFIX". The error has a message only; the loader adds the
  // file, line and key.
  static Expected<AddressRange> parse(std::string_view text);

  // True when `address` (a client address as the proxy reports it: "10.1.2.3", "::1",
  // "fe80::1%eth0") is inside the range. An address that does not parse (an empty one, a Unix
  // socket's) is inside no range.
  [[nodiscard]] bool contains(std::string_view address) const;

  // As written in the policy file.
  [[nodiscard]] const std::string& text() const { return m_text; }

 private:
  std::string m_text;
  bool m_v6 = false;
  int m_prefix = 0;                   // in bits: at most 32 for IPv4, 128 for IPv6
  std::array<unsigned char, 16> m_bytes{};  // network order; IPv4 uses the first 4
};

}  // namespace pgwarden::policy
