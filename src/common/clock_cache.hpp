// A thread-safe bounded map from a key to a shared, immutable value, evicting with the CLOCK
// algorithm (an approximation of least-recently-used). Used by the analyzer (SQL text ->
// analysis).
//
// Laid out for lookups that miss the CPU caches, which is what a proxy's working set of tens of
// thousands of distinct statements does: open addressing with linear probing, the full hash
// stored beside each slot (a probe compares 8 bytes before it touches a key), and a reference
// bit instead of a recency list (a hit writes one byte instead of relinking three nodes).
// Deletion shifts the following entries back, so there are no tombstones.
//
// `Hash` and `Equal` may be transparent (declare `is_transparent`): find() then takes any key
// form they accept, so a caller can look up text without building a key string first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace pgwarden {

template <class Key, class Value, class Hash = std::hash<Key>, class Equal = std::equal_to<Key>>
class ClockCache {
 public:
  explicit ClockCache(std::size_t capacity) : m_capacity(capacity) {
    std::size_t slots = 8;
    while (slots < capacity * 2) slots *= 2;  // at most half full: short probe runs
    if (capacity > 0) m_slots.resize(slots);
    m_mask = slots - 1;
  }

  template <class K>
  std::shared_ptr<const Value> find(const K& key) {
    if (m_capacity == 0) return nullptr;
    const std::uint64_t h = hash_of(key);
    const std::lock_guard lock(m_mutex);
    for (std::size_t i = h & m_mask;; i = (i + 1) & m_mask) {
      Slot& s = m_slots[i];
      if (s.hash == 0) return nullptr;
      if (s.hash == h && m_equal(key, s.key)) {
        s.referenced = true;
        return s.value;
      }
    }
  }

  // Keeps the first value stored under a key; beyond capacity, evicts an entry not used since
  // the clock hand last passed it.
  void insert(Key key, std::shared_ptr<const Value> value) {
    if (m_capacity == 0) return;
    const std::uint64_t h = hash_of(key);
    const std::lock_guard lock(m_mutex);
    std::size_t i = h & m_mask;
    for (;; i = (i + 1) & m_mask) {
      const Slot& s = m_slots[i];
      if (s.hash == 0) break;
      if (s.hash == h && m_equal(key, s.key)) return;
    }
    if (m_size >= m_capacity) {
      evict_one();
      // The eviction may have shifted entries into the free slot found above: probe again.
      for (i = h & m_mask; m_slots[i].hash != 0; i = (i + 1) & m_mask) {
      }
    }
    m_slots[i] = Slot{h, std::move(key), std::move(value), false};
    ++m_size;
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;  // 0: empty
    Key key{};
    std::shared_ptr<const Value> value;
    bool referenced = false;
  };

  template <class K>
  std::uint64_t hash_of(const K& key) const {
    const auto h = static_cast<std::uint64_t>(m_hash(key));
    return h == 0 ? 1 : h;
  }

  void evict_one() {
    for (;;) {
      m_hand = (m_hand + 1) & m_mask;
      Slot& s = m_slots[m_hand];
      if (s.hash == 0) continue;
      if (s.referenced) {
        s.referenced = false;
        continue;
      }
      erase_at(m_hand);
      return;
    }
  }

  // Backward-shift deletion for linear probing: move later entries of the run into the hole
  // when their home slot is at or before it.
  void erase_at(std::size_t hole) {
    m_slots[hole] = Slot{};
    --m_size;
    for (std::size_t j = (hole + 1) & m_mask; m_slots[j].hash != 0; j = (j + 1) & m_mask) {
      const std::size_t home = m_slots[j].hash & m_mask;
      // Is `home` cyclically outside (hole, j]? Then the entry may move back into the hole.
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        m_slots[hole] = std::move(m_slots[j]);
        m_slots[j] = Slot{};
        hole = j;
      }
    }
  }

  std::size_t m_capacity;
  std::size_t m_mask = 0;
  std::size_t m_size = 0;
  std::size_t m_hand = 0;
  std::vector<Slot> m_slots;
  std::mutex m_mutex;
  [[no_unique_address]] Hash m_hash;
  [[no_unique_address]] Equal m_equal;
};

}  // namespace pgwarden
