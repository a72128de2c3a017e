#include "common/large_stack.hpp"

#include <pthread.h>

namespace pgwarden {
namespace {

void* trampoline(void* arg) {
  (*static_cast<const std::function<void()>*>(arg))();
  return nullptr;
}

}  // namespace

bool run_on_large_stack(const std::function<void()>& fn, std::size_t stack_bytes) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t thread;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): pthread's void* argument.
  const int rc = pthread_create(&thread, &attr, trampoline, const_cast<std::function<void()>*>(&fn));
  pthread_attr_destroy(&attr);
  if (rc != 0) return false;
  pthread_join(thread, nullptr);
  return true;
}

}  // namespace pgwarden
