// Runs a function on a thread with a large stack and waits for it.
//
// PostgreSQL's parser builds left-deep trees for chains such as `1+1+1+...`, and libpg_query's
// tree output recurses once per level: about 330 bytes of C stack per level, so 25,000 levels
// overflow a default 8 MB stack (measured on libpg_query 15-4.0.0). Inputs are capped at 1 MB,
// which bounds the depth at about 500,000 levels; the analyzer runs large statements through
// this helper so that no input can overflow the caller's stack. The stack is reserved virtual
// memory, committed only as far as it is used.
#pragma once

#include <cstddef>
#include <functional>

namespace pgwarden {

inline constexpr std::size_t k_large_stack_bytes = std::size_t{512} << 20;

// Returns false if the thread could not be started (then `fn` did not run).
bool run_on_large_stack(const std::function<void()>& fn, std::size_t stack_bytes = k_large_stack_bytes);

}  // namespace pgwarden
