// How long one load takes on this machine when it misses the CPU's caches: a pointer chase (each
// load's address is the previous load's value, so nothing overlaps) over a random cycle through
// N MB, one cache line per step. Explains the cached figures of bench_analyze: a cache hit over
// a working set larger than what this prints as "cached" pays the larger figure per dependent
// miss. `make bench` runs it.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

int main() {
  constexpr std::size_t k_line = 64 / sizeof(std::size_t);  // words per cache line
  constexpr std::size_t k_steps = 4'000'000;
  std::printf("Dependent-load latency (pointer chase, one cache line per step):\n");
  for (const std::size_t mb : {1, 2, 4, 8, 16, 32, 64, 256}) {
    const std::size_t lines = mb * 1024 * 1024 / 64;
    std::vector<std::size_t> order(lines);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
    std::vector<std::size_t> next(lines * k_line);
    for (std::size_t i = 0; i < lines; ++i)
      next[order[i] * k_line] = order[(i + 1) % lines] * k_line;
    std::size_t at = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < k_steps; ++i) at = next[at];
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    std::printf("  %4zu MB  %6.1f ns per load%s\n", mb, took.count() / k_steps, at == 1 ? " " : "");
  }
}
