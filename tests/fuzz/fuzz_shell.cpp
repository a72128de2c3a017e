// libFuzzer target: bytes → hook::shell::parse → a walk over the whole tree, under ASan and
// UBSan. Besides crashes, it traps when an invariant the judge relies on breaks: every offset
// points into the input, a word is known exactly when it has a value, an error has an offset.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hook/shell.hpp"

namespace {

using namespace pgwarden::hook::shell;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Walker {
  std::size_t size;
  std::size_t touched = 0;

  void range(std::size_t begin, std::size_t end) const { check(begin <= end && end <= size); }

  void word(const Word& w) {
    range(w.begin, w.end);
    const auto value = w.value();
    check(value.has_value() == w.known());
    touched += w.text().size() + (value ? value->size() : 0);
    for (const WordPart& p : w.parts) {
      if (p.kind == WordPart::Kind::command) check(p.script != nullptr);
      if (p.script) script(*p.script);
    }
  }

  void words(const std::vector<Word>& ws) {
    for (const Word& w : ws) word(w);
  }

  void command(const Command& c) {
    range(c.begin, c.end);
    for (const Assignment& a : c.assignments) {
      word(a.value);
      words(a.elements);
    }
    words(c.words);
    for (const Redirect& r : c.redirects) {
      word(r.target);
      word(r.body);
    }
    for (const auto& patterns : c.patterns) words(patterns);
    for (const Script& s : c.bodies) script(s);
    if (c.kind == Command::Kind::case_clause) check(c.patterns.size() == c.bodies.size());
  }

  void script(const Script& s) {
    for (const AndOr& a : s.items) {
      check(a.connectors.size() + 1 == a.pipelines.size());
      for (const Pipeline& p : a.pipelines) {
        check(!p.commands.empty());
        for (const Command& c : p.commands) command(c);
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = parse(input);
  // The streamed parse fails where the whole parse fails, and otherwise hands over the same
  // pipelines, each as complete (heredoc bodies, offsets) as in the whole tree.
  Walker streamed{size};
  std::size_t pipelines = 0;
  const auto each = parse_each(input, [&](const Pipeline& p) {
    ++pipelines;
    for (const Command& c : p.commands) streamed.command(c);
  });
  if (!result) {
    check(!result.error().message.empty());
    check(result.error().offset <= size);
    check(!each && each.error().message == result.error().message);
    return 0;
  }
  check(each.has_value());
  std::size_t expected = 0;
  for (const AndOr& a : result->items) expected += a.pipelines.size();
  check(pipelines == expected);
  Walker walker{size};
  walker.script(*result);
  check(streamed.touched == walker.touched);  // the same words and bodies, byte for byte
  return 0;
}
