#include "common/text_hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace {

using pgwarden::text_hash;

TEST(TextHash, EqualTextEqualHashAndTheSaltSeparates) {
  const std::string a = "SELECT id FROM users WHERE id = $1";
  EXPECT_EQ(text_hash(a), text_hash(std::string(a)));
  EXPECT_NE(text_hash(a, 0), text_hash(a, 1));
  EXPECT_NE(text_hash(""), text_hash("", 1));
}

TEST(TextHash, EveryPrefixAndEveryFlippedBitHashesDifferently) {
  // Lengths 0..100 cover the 16-byte loop, the 8-byte step and every tail length.
  const std::string text =
      "UPDATE accounts SET balance = balance - 100 WHERE id = 42 AND tenant = 'acme'; -- and some "
      "more text";
  std::set<std::uint64_t> seen;
  for (std::size_t n = 0; n <= text.size(); ++n)
    seen.insert(text_hash(std::string_view(text).substr(0, n)));
  EXPECT_EQ(seen.size(), text.size() + 1);
  const std::uint64_t base = text_hash(text);
  for (std::size_t byte = 0; byte < text.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = text;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      ASSERT_NE(text_hash(flipped), base) << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(TextHash, SimilarStatementsSpreadOverATablesSlots) {
  // What the analyzer's cache sees: statements that differ in a constant. Their low bits pick
  // the slot; no slot may get far more than its share.
  constexpr std::size_t k_slots = 1024;
  constexpr std::size_t k_keys = 100000;
  std::vector<int> count(k_slots);
  for (std::size_t i = 0; i < k_keys; ++i) {
    ++count[text_hash("SELECT abalance FROM pgbench_accounts WHERE aid = " + std::to_string(i)) %
            k_slots];
  }
  const int most = *std::max_element(count.begin(), count.end());
  const int least = *std::min_element(count.begin(), count.end());
  const double mean = static_cast<double>(k_keys) / k_slots;  // about 98
  EXPECT_LT(most, mean * 1.5);
  EXPECT_GT(least, mean * 0.5);
}

}  // namespace
