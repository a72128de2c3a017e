// libFuzzer target: the proxy's framer and session state machine, under ASan and UBSan.
// The input is a script of chunks: a header byte (bit 7: from the server, else from the client;
// bits 0-6: the chunk length) and that many bytes. Client chunks go through on_client_data,
// server chunks through on_server_data, exactly as the Asio layer feeds them.
// Besides crashes, it traps when an invariant the proxy relies on breaks: everything sent to the
// server is whole, well-framed messages (after the startup packet), and a closed session says
// nothing more.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "policy/evaluator.hpp"
#include "policy/load.hpp"
#include "proxy/session.hpp"
#include "proxy/wire/frame.hpp"
#include "sql/analyzer.hpp"

namespace {

using namespace pgwarden;

constexpr std::string_view k_policy = R"(
[policy]
name = "Fuzz Policy"
[[tables]]
name = "ledger_*"
append_only = true
[[tables]]
name = "users"
soft_delete = "deleted_at"
)";

struct Engine {
  sql::Analyzer analyzer{256};
  std::shared_ptr<policy::Evaluator> evaluator;
  Engine() {
    auto p = policy::parse_policy(k_policy, "fuzz.toml");
    if (!p) __builtin_trap();
    evaluator = std::make_shared<policy::Evaluator>(std::make_shared<const policy::Policy>(std::move(*p)), true);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Engine engine;
  proxy::JudgeContext context{&engine.analyzer, nullptr, nullptr};
  auto admit = [](const proxy::ConnectionInfo&, bool replication) {
    proxy::Admission a;
    a.allowed = !replication;
    a.why = "replication";
    a.evaluator = engine.evaluator;
    return a;
  };
  proxy::Session session(context, admit, proxy::ConnectionInfo{1, "", "", "", "127.0.0.1", ""},
                         proxy::SessionLimits{1 << 16, 10000}, false);
  bool started = false;
  bool closed = false;
  std::string to_server_after_startup;
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t header = data[i++];
    const std::size_t n = std::min<std::size_t>(header & 0x7f, size - i);
    const std::string_view chunk(reinterpret_cast<const char*>(data + i), n);
    i += n;
    proxy::Output out;
    if ((header & 0x80) != 0) {
      session.on_server_data(chunk, out);
    } else {
      session.on_client_data(chunk, out);
    }
    if (closed && (!out.to_client.empty() || !out.to_server.empty())) __builtin_trap();
    if (out.connect_upstream) {
      started = true;
      out.to_server.erase(0, proxy::wire::read_u32(out.to_server.data()));  // the startup packet
    }
    if (started) to_server_after_startup += out.to_server;
    if (out.close) closed = true;
  }
  // Everything sent to the server after the startup packet is whole frames; only a CopyData,
  // which is streamed, may be cut off by the end of the input.
  if (!closed) {
    std::string_view sent = to_server_after_startup;
    while (!sent.empty()) {
      const auto f = proxy::wire::next_frame(sent, std::size_t{1} << 30);
      if (f.status == proxy::wire::FrameStatus::invalid) __builtin_trap();
      if (f.status == proxy::wire::FrameStatus::need_more) {
        if (sent[0] != 'd') __builtin_trap();
        break;
      }
      sent.remove_prefix(f.size);
    }
  }
  return 0;
}
