#include "common/clock_cache.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

namespace {

using pgwarden::ClockCache;

TEST(ClockCache, KeepsUpToItsCapacityAndTheFirstValueOfAKey) {
  ClockCache<std::string, int> cache(4);
  for (int i = 0; i < 4; ++i) cache.insert("k" + std::to_string(i), std::make_shared<const int>(i));
  for (int i = 0; i < 4; ++i) ASSERT_NE(cache.find(std::string("k" + std::to_string(i))), nullptr);
  cache.insert("k0", std::make_shared<const int>(99));
  EXPECT_EQ(*cache.find(std::string("k0")), 0);
  cache.insert("k4", std::make_shared<const int>(4));
  int present = 0;
  for (int i = 0; i <= 4; ++i) present += cache.find(std::string("k" + std::to_string(i))) != nullptr ? 1 : 0;
  EXPECT_EQ(present, 4);
  EXPECT_NE(cache.find(std::string("k4")), nullptr);
}

TEST(ClockCache, AnEntryUsedSinceTheHandPassedSurvivesTheNextEviction) {
  ClockCache<std::string, int> cache(3);
  cache.insert("a", std::make_shared<const int>(1));
  cache.insert("b", std::make_shared<const int>(2));
  cache.insert("c", std::make_shared<const int>(3));
  (void)cache.find(std::string("a"));
  (void)cache.find(std::string("b"));
  cache.insert("d", std::make_shared<const int>(4));  // c is the one not used
  EXPECT_NE(cache.find(std::string("a")), nullptr);
  EXPECT_NE(cache.find(std::string("b")), nullptr);
  EXPECT_EQ(cache.find(std::string("c")), nullptr);
}

TEST(ClockCache, EvictionsNeverLoseAnEntryThatIsStillThere) {
  // Many colliding inserts and evictions: everything the cache reports present has its own
  // value, and it never holds more than its capacity.
  ClockCache<std::string, std::string> cache(64);
  std::mt19937 rng(7);
  std::set<std::string> inserted;
  for (int round = 0; round < 20000; ++round) {
    const std::string key = "key" + std::to_string(rng() % 500);
    if (rng() % 3 == 0) {
      if (auto v = cache.find(key)) {
        ASSERT_EQ(*v, key);
      }
    } else {
      cache.insert(key, std::make_shared<const std::string>(key));
      inserted.insert(key);
      ASSERT_NE(cache.find(key), nullptr) << "a key just inserted is found";
    }
  }
  int present = 0;
  for (const auto& k : inserted) {
    if (auto v = cache.find(k)) {
      ++present;
      EXPECT_EQ(*v, k);
    }
  }
  EXPECT_LE(present, 64);
  EXPECT_GE(present, 60);
}

TEST(ClockCache, CapacityZeroKeepsNothing) {
  ClockCache<std::string, int> cache(0);
  cache.insert("a", std::make_shared<const int>(1));
  EXPECT_EQ(cache.find(std::string("a")), nullptr);
}

}  // namespace
