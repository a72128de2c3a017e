// A lock of one byte for critical sections of a few instructions (a probe of a table, a
// shared_ptr copy), where std::mutex would cost a second atomic read-modify-write to unlock and
// 40 bytes beside the data it guards. Waiters yield; BasicLockable, so std::lock_guard takes it.
#pragma once

#include <atomic>
#include <thread>

namespace pgwarden {

class SpinLock {
 public:
  void lock() {
    while (m_busy.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
  }
  void unlock() { m_busy.clear(std::memory_order_release); }

 private:
  std::atomic_flag m_busy;
};

}  // namespace pgwarden
