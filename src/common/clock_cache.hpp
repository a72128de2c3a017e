// A thread-safe bounded map from text to a shared, immutable value, evicting with the CLOCK
// algorithm (an approximation of least-recently-used). Used by the analyzer (SQL text ->
// analysis).
//
// Laid out for lookups that miss the CPU caches, which is what a proxy's working set of tens of
// thousands of distinct statements does. Each entry is one allocation holding its value and its
// key's bytes together, so a hit reads the slot, then one stretch of memory: the value it hands
// out and the key it compares. Slots are 8 bytes, the entry's address with 16 bits of its hash
// above it and CLOCK's reference bit below: the table is small, so fewer of its pages compete
// for the TLB with the entries' (on a virtual machine, a load that misses the TLB costs a walk
// of two page tables). Open addressing with linear probing, at most 70 % full (eight slots share a
// cache line, so a probe seldom leaves the first); a probe compares those 16 bits before it
// touches an entry, and a hit sets a bit, not three links of a recency list. Deletion shifts
// the following entries back, so there are no tombstones; it reads the hash of each entry it
// may move.
//
// A key is bytes plus a one-byte tag (the analyzer's options), so a caller looks up text where
// it lies, without building a key string. A value is handed out as a `Ref`, which keeps the
// entry alive after the cache evicts it; a `Ref` can also own a value that no cache holds.
//
// With `Admission::second_sighting`, a key is kept only when it is inserted for the second time
// within about `capacity` insertions (a table of fingerprints remembers the first). A proxy sees
// a stream of texts that never come back (constants written into the SQL): kept on first sight,
// each would push out an entry that may be used again and cost an insertion, an eviction and the
// destruction of a cold value; now it costs one fingerprint.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#include "common/spin_lock.hpp"
#include "common/text_hash.hpp"

#if defined(__has_feature)
#define PGWARDEN_HAS_FEATURE(x) __has_feature(x)
#else
#define PGWARDEN_HAS_FEATURE(x) 0
#endif

namespace pgwarden {

// Which insertions a ClockCache keeps (see above).
enum class Admission : std::uint8_t { first_sighting, second_sighting };

template <class Value>
class ClockCache {
  struct Entry;

 public:
  // Shared, read-only access to a value; null when a lookup missed.
  class Ref {
   public:
    Ref() = default;
    Ref(const Ref& other) : m_entry(other.m_entry) { retain(m_entry); }
    Ref(Ref&& other) noexcept : m_entry(std::exchange(other.m_entry, nullptr)) {}
    Ref& operator=(Ref other) noexcept {
      std::swap(m_entry, other.m_entry);
      return *this;
    }
    ~Ref() { release(m_entry); }

    // A value of its own, in no cache.
    static Ref make(Value value) { return Ref(Entry::create(0, 0, {}, std::move(value))); }

    explicit operator bool() const { return m_entry != nullptr; }
    const Value& operator*() const { return m_entry->value(); }
    const Value* operator->() const { return &m_entry->value(); }
    // Whether both refer to the very same entry (not only to equal values).
    [[nodiscard]] bool same(const Ref& other) const { return m_entry == other.m_entry; }

   private:
    friend class ClockCache;
    explicit Ref(Entry* adopted) : m_entry(adopted) {}
    Entry* m_entry = nullptr;
  };

  explicit ClockCache(std::size_t capacity, Admission admission = Admission::first_sighting)
      : m_capacity(capacity) {
    std::size_t slots = 8;
    while (slots * 7 < capacity * 10) slots *= 2;  // at most 70 % full
    if (capacity > 0) m_slots.resize(slots);
    m_mask = slots - 1;
    if (capacity > 0 && admission == Admission::second_sighting) {
      // One to two fingerprints per entry the cache can hold.
      std::size_t fingerprints = k_seen_ways;
      while (fingerprints < capacity) fingerprints *= 2;
      const std::size_t buckets = fingerprints / k_seen_ways;
      m_seen_mask = buckets - 1;
      m_seen = std::make_unique<std::uint32_t[]>(buckets * k_seen_ways);
    }
  }
  ~ClockCache() {
    for (const Slot& s : m_slots) {
      if (!s.empty()) release(s.entry());
    }
  }
  ClockCache(const ClockCache&) = delete;
  ClockCache& operator=(const ClockCache&) = delete;

  Ref find(std::string_view key, std::uint8_t tag = 0) {
    if (m_capacity == 0) return {};
    const std::uint64_t h = hash_of(key, tag);
    const std::lock_guard lock(m_mutex);
    Entry* e = lookup(h, key, tag);
    if (e == nullptr) return {};
    retain(e);
    return Ref(e);
  }

  // Keeps the first value stored under a key and returns the one kept; beyond capacity, evicts
  // an entry not used since the clock hand last passed it. Without a capacity, the value is
  // returned in a Ref of its own.
  Ref insert(std::string_view key, Value value, std::uint8_t tag = 0) {
    if (m_capacity == 0) return Ref::make(std::move(value));
    const std::uint64_t h = hash_of(key, tag);
    if (m_seen) {
      bool first_sighting = false;
      {
        const std::lock_guard lock(m_mutex);
        if (Entry* e = lookup(h, key, tag)) {
          retain(e);
          return Ref(e);
        }
        first_sighting = !seen_before(h);
      }
      if (first_sighting) return Ref::make(std::move(value));  // allocated after the lock
    }
    Entry* fresh = Entry::create(h, tag, key, std::move(value));
    if (!Slot::fits(fresh)) return Ref(fresh);  // an address above 48 bits: not kept
    Entry* kept = fresh;
    Entry* dropped = nullptr;  // released after the lock: a value's destruction may take a while
    {
      const std::lock_guard lock(m_mutex);
      std::size_t i = h & m_mask;
      for (;; i = (i + 1) & m_mask) {
        const Slot& s = m_slots[i];
        if (s.empty()) break;
        if (s.holds(h, key, tag)) {
          kept = s.entry();
          dropped = fresh;
          break;
        }
      }
      if (kept == fresh) {
        if (m_size >= m_capacity) {
          dropped = evict_one();
          // The eviction may have shifted entries into the free slot found above: probe again.
          for (i = h & m_mask; !m_slots[i].empty(); i = (i + 1) & m_mask) {
          }
        }
        m_slots[i] = Slot{h, fresh};  // the cache's reference
        ++m_size;
      }
      retain(kept);
    }
    release(dropped);
    return Ref(kept);
  }

 private:
  // One allocation: this header, the value, then the key's bytes. The value's front (where a
  // hit reads, see DerivedSlot) shares the header's cache line, and the key's address is known
  // as soon as the entry's is: the loads that compare it start together with the header's.
  struct Entry {
    std::atomic<std::uint32_t> refs{1};
    std::uint32_t key_size = 0;
    std::uint64_t hash = 0;  // of key and tag; where a deletion finds the entry's home slot
    std::uint8_t tag = 0;

    Entry(std::uint64_t h, std::uint8_t t, std::size_t size)
        : key_size(static_cast<std::uint32_t>(size)), hash(h), tag(t) {}
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    ~Entry() = default;

    static constexpr std::size_t k_value_offset =
        (sizeof(Entry) + alignof(Value) - 1) / alignof(Value) * alignof(Value);
    static constexpr std::size_t k_key_offset = k_value_offset + sizeof(Value);

    static Entry* create(std::uint64_t hash, std::uint8_t tag, std::string_view key, Value value) {
      static_assert(alignof(Value) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
      char* memory = static_cast<char*>(::operator new(k_key_offset + key.size()));
      auto* e = new (memory) Entry(hash, tag, key.size());
      if (!key.empty()) std::memcpy(memory + k_key_offset, key.data(), key.size());
      try {
        new (memory + k_value_offset) Value(std::move(value));
      } catch (...) {
        e->~Entry();
        ::operator delete(memory);
        throw;
      }
      return e;
    }
    static void destroy(Entry* e) {
      e->value().~Value();
      e->~Entry();
      ::operator delete(e);
    }
    [[nodiscard]] const char* key_bytes() const {
      return reinterpret_cast<const char*>(this) + k_key_offset;
    }
    [[nodiscard]] Value& value() {
      return *std::launder(
          reinterpret_cast<Value*>(reinterpret_cast<char*>(this) + k_value_offset));
    }
    [[nodiscard]] bool is(std::string_view key, std::uint8_t t) const {
      return tag == t && key_size == key.size() &&
             std::memcmp(key_bytes(), key.data(), key.size()) == 0;
    }
  };

  // The entry's address (entries are aligned, user-space addresses fit in 48 bits), with the
  // top 16 bits of its hash above it and CLOCK's reference bit in its lowest bit: a probe and the
  // hand read the slot without touching the entry. 0: empty.
  class Slot {
   public:
    Slot() = default;
    Slot(std::uint64_t h, Entry* e)
        : m_bits((h & k_hash_bits) | reinterpret_cast<std::uintptr_t>(e)) {}
    static bool fits(const Entry* e) {
      return (reinterpret_cast<std::uintptr_t>(e) & k_hash_bits) == 0;
    }

    [[nodiscard]] bool empty() const { return m_bits == 0; }
    [[nodiscard]] Entry* entry() const {
      return reinterpret_cast<Entry*>(m_bits & ~k_hash_bits & ~std::uintptr_t{1});
    }
    // Whether this slot's entry is the key's: 16 bits of the hash first, then the entry.
    [[nodiscard]] bool holds(std::uint64_t h, std::string_view key, std::uint8_t tag) const {
      return ((m_bits ^ h) & k_hash_bits) == 0 && entry()->hash == h && entry()->is(key, tag);
    }
    [[nodiscard]] bool referenced() const { return (m_bits & 1) != 0; }
    void reference() {
      if (!referenced()) m_bits |= 1;  // read before written: a hit seldom dirties the line
    }
    void unreference() { m_bits &= ~std::uintptr_t{1}; }

   private:
#if defined(__SANITIZE_ADDRESS__) || PGWARDEN_HAS_FEATURE(address_sanitizer) || \
    PGWARDEN_HAS_FEATURE(leak_sanitizer)
    // The leak checker finds what is still reachable by scanning memory for addresses: it would
    // not see an entry behind bits of a hash, and report it leaked. Every probe reads the entry.
    static constexpr std::uintptr_t k_hash_bits = 0;
#else
    static constexpr std::uintptr_t k_hash_bits = ~((std::uintptr_t{1} << 48) - 1);
#endif
    std::uintptr_t m_bits = 0;
  };
  static_assert(sizeof(std::uintptr_t) == 8 && sizeof(std::uint64_t) == 8);

  static void retain(Entry* e) {
    if (e != nullptr) e->refs.fetch_add(1, std::memory_order_relaxed);
  }
  static void release(Entry* e) {
    if (e == nullptr || e->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    Entry::destroy(e);
  }

  static std::uint64_t hash_of(std::string_view key, std::uint8_t tag) {
    return text_hash(key, tag);
  }

  // The entry of a key, marked as used; null when absent. Under the lock.
  Entry* lookup(std::uint64_t h, std::string_view key, std::uint8_t tag) {
    for (std::size_t i = h & m_mask;; i = (i + 1) & m_mask) {
      Slot& s = m_slots[i];
      if (s.empty()) return nullptr;
      if (s.holds(h, key, tag)) {
        s.reference();
        return s.entry();
      }
    }
  }

  // Whether a key of this hash was inserted lately; remembers it if not. Fingerprints are kept
  // in buckets of a few ways, so that two keys of one bucket that keep coming back in turn do
  // not keep erasing each other (with one way, neither would ever be kept); one that was pushed
  // out only makes its key wait for one more sighting. A key kept frees its way. Under the lock.
  bool seen_before(std::uint64_t h) {
    const std::uint32_t fingerprint = static_cast<std::uint32_t>(h >> 32) | 1U;  // 0: empty
    std::uint32_t* bucket = &m_seen[((h >> 16) & m_seen_mask) * k_seen_ways];
    std::uint32_t* empty = nullptr;
    for (std::size_t w = 0; w < k_seen_ways; ++w) {
      if (bucket[w] == fingerprint) {
        bucket[w] = 0;
        return true;
      }
      if (bucket[w] == 0 && empty == nullptr) empty = &bucket[w];
    }
    if (empty == nullptr) empty = &bucket[(h >> 8) % k_seen_ways];  // full: push one out
    *empty = fingerprint;
    return false;
  }

  // The entry the hand evicts, out of the table; the caller releases it.
  Entry* evict_one() {
    for (;;) {
      m_hand = (m_hand + 1) & m_mask;
      Slot& s = m_slots[m_hand];
      if (s.empty()) continue;
      if (s.referenced()) {
        s.unreference();
        continue;
      }
      return erase_at(m_hand);
    }
  }

  // Backward-shift deletion for linear probing: move later entries of the run into the hole
  // when their home slot is at or before it. Returns the entry erased.
  Entry* erase_at(std::size_t hole) {
    Entry* erased = m_slots[hole].entry();
    m_slots[hole] = Slot{};
    --m_size;
    for (std::size_t j = (hole + 1) & m_mask; !m_slots[j].empty(); j = (j + 1) & m_mask) {
      const std::size_t home = m_slots[j].entry()->hash & m_mask;
      // Is `home` cyclically outside (hole, j]? Then the entry may move back into the hole.
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        m_slots[hole] = m_slots[j];
        m_slots[j] = Slot{};
        hole = j;
      }
    }
    return erased;
  }

  std::size_t m_capacity;
  std::size_t m_mask = 0;
  std::size_t m_size = 0;
  std::size_t m_hand = 0;
  std::vector<Slot> m_slots;
  static constexpr std::size_t k_seen_ways = 4;  // one bucket: 16 bytes
  std::size_t m_seen_mask = 0;                   // buckets - 1
  std::unique_ptr<std::uint32_t[]> m_seen;       // second_sighting: fingerprints, 0 empty
  SpinLock m_mutex;  // held for a probe and a reference count, never for a value's construction
};

}  // namespace pgwarden
