// A thread-safe least-recently-used map from a key to a shared, immutable value. Used by the
// analyzer (exact SQL text -> analysis) and the policy evaluator (analysis -> verdict).
//
// `Hash` and `Equal` may be transparent (declare `is_transparent`): find() then takes any key
// form they accept, so a caller can look up text without building a key string first.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace pgwarden {

template <class Key, class Value, class Hash = std::hash<Key>, class Equal = std::equal_to<Key>>
class LruCache {
 public:
  explicit LruCache(std::size_t capacity) : m_capacity(capacity) {}

  template <class K>
  std::shared_ptr<const Value> find(const K& key) {
    const std::lock_guard lock(m_mutex);
    auto it = m_map.find(key);
    if (it == m_map.end()) return nullptr;
    m_order.splice(m_order.begin(), m_order, it->second.second);
    return it->second.first;
  }

  // Keeps the first value stored under a key; evicts the least recently used beyond capacity.
  void insert(Key key, std::shared_ptr<const Value> value) {
    const std::lock_guard lock(m_mutex);
    if (m_capacity == 0 || m_map.find(key) != m_map.end()) return;
    auto [it, added] = m_map.emplace(std::move(key), std::make_pair(std::move(value), m_order.end()));
    m_order.push_front(&it->first);  // the map's nodes are stable: the order list points at their keys
    it->second.second = m_order.begin();
    if (m_map.size() > m_capacity) {
      const Key* oldest = m_order.back();
      m_order.pop_back();
      m_map.erase(*oldest);
    }
  }

 private:
  std::size_t m_capacity;
  std::mutex m_mutex;
  std::list<const Key*> m_order;  // most recently used first
  std::unordered_map<Key, std::pair<std::shared_ptr<const Value>, typename std::list<const Key*>::iterator>, Hash,
                     Equal>
      m_map;
};

}  // namespace pgwarden
