#include "common/text_hash.hpp"

#include <random>

namespace pgwarden::text_hash_detail {

const Secrets& secrets() {
  static const Secrets k = [] {
    std::random_device device;
    auto word = [&] { return ((std::uint64_t{device()} << 32) ^ device()) | 1; };  // odd: never 0
    return Secrets{word(), word(), word()};
  }();
  return k;
}

}  // namespace pgwarden::text_hash_detail
