// libFuzzer target: bytes → hook::read_json, the hook's fast JSON reader, checked against
// nlohmann's parser under ASan and UBSan. The reader may decline what it does not accept (the
// hook then asks nlohmann), but whatever it accepts nlohmann must accept with an equal value:
// otherwise an agent's request could be read differently from what the agent sent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hook/json_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto fast = pgwarden::hook::read_json(text);
  if (!fast) return 0;
  const auto reference = nlohmann::json::parse(text, nullptr, false);
  if (reference.is_discarded() || *fast != reference ||
      fast->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) !=
          reference.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
    __builtin_trap();
  return 0;
}
