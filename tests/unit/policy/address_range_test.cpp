// Client address ranges of [[profiles]] match: pg_hba.conf's notation, families kept apart.
#include "policy/address_range.hpp"

#include <gtest/gtest.h>

using pgwarden::policy::AddressRange;

namespace {

bool in(const char* range, const char* address) {
  auto r = AddressRange::parse(range);
  EXPECT_TRUE(r) << range << ": " << r.error().message;
  return r && r->contains(address);
}

std::string error_of(const char* range) {
  auto r = AddressRange::parse(range);
  EXPECT_FALSE(r) << range << " should not parse";
  return r ? std::string() : r.error().message;
}

}  // namespace

TEST(AddressRange, AnAddressWithoutPrefixIsThatAddressOnly) {
  EXPECT_TRUE(in("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(in("127.0.0.1", "127.0.0.2"));
  EXPECT_TRUE(in("::1", "::1"));
  EXPECT_TRUE(in("::1", "0:0:0:0:0:0:0:1"));
  EXPECT_FALSE(in("::1", "127.0.0.1"));
}

TEST(AddressRange, PrefixesCoverTheirNetworks) {
  EXPECT_TRUE(in("10.0.0.0/8", "10.255.255.255"));
  EXPECT_FALSE(in("10.0.0.0/8", "11.0.0.0"));
  EXPECT_TRUE(in("192.168.4.0/22", "192.168.7.1"));
  EXPECT_FALSE(in("192.168.4.0/22", "192.168.8.1"));
  EXPECT_TRUE(in("0.0.0.0/0", "203.0.113.9"));
  EXPECT_TRUE(in("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(in("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(in("2001:db8::/33", "2001:db8:7fff::1"));
  EXPECT_FALSE(in("2001:db8::/33", "2001:db8:8000::1"));
}

TEST(AddressRange, IPv4MappedAddressesAreIPv4) {
  EXPECT_TRUE(in("10.0.0.0/8", "::ffff:10.1.2.3"));
  EXPECT_TRUE(in("::ffff:10.0.0.0/104", "10.1.2.3"));
  EXPECT_FALSE(in("::/0", "::ffff:10.1.2.3"));
}

TEST(AddressRange, WhatIsNotAnAddressIsInNoRange) {
  EXPECT_FALSE(in("0.0.0.0/0", ""));
  EXPECT_FALSE(in("0.0.0.0/0", "[local]"));
  EXPECT_FALSE(in("0.0.0.0/0", "10.0.0.1:5432"));
  EXPECT_TRUE(in("fe80::/10", "fe80::1%eth0"));
}

TEST(AddressRange, MistakesAreErrors) {
  EXPECT_NE(error_of("10.0.0.0/33").find("from 0 to 32"), std::string::npos);
  EXPECT_NE(error_of("::/129").find("from 0 to 128"), std::string::npos);
  EXPECT_NE(error_of("10.0.0.0/").find("prefix"), std::string::npos);
  EXPECT_NE(error_of("10.0.0.0/8x").find("prefix"), std::string::npos);
  EXPECT_NE(error_of("10.0.0.0/-1").find("prefix"), std::string::npos);
  EXPECT_NE(error_of("10.0.0/8").find("not an IP address"), std::string::npos);
  EXPECT_NE(error_of("db.internal").find("not an IP address"), std::string::npos);
  EXPECT_NE(error_of("").find("not an IP address"), std::string::npos);
  EXPECT_NE(error_of("10.1.2.3/16").find("did you mean \"10.1.0.0/16\"?"), std::string::npos);
  EXPECT_NE(error_of("2001:db8::1/32").find("did you mean \"2001:db8::/32\"?"), std::string::npos);
  EXPECT_NE(error_of("::ffff:10.0.0.0/64").find("at least 96"), std::string::npos);
}
