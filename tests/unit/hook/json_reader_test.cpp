// The hook's fast JSON reader against nlohmann's parser: what it accepts must be what nlohmann
// reads, value for value; what it declines nlohmann answers (protocol.cpp), so declining is
// always safe and accepting wrongly never is.
#include "hook/json_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace pgwarden::hook {
namespace {

using nlohmann::json;

// Accepted by both, with equal values and the same types (an unsigned 1 is not a float 1.0).
void expect_same(const std::string& text) {
  SCOPED_TRACE(text);
  const auto fast = read_json(text);
  const json reference = json::parse(text, nullptr, false);
  ASSERT_FALSE(reference.is_discarded());
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(*fast, reference);
  EXPECT_EQ(fast->dump(), reference.dump());
}

TEST(JsonReader, ReadsWhatNlohmannReads) {
  for (const char* text : {
           R"({"tool_name":"Bash","tool_input":{"command":"psql -c \"DROP TABLE users\""}})",
           R"({"command":["bash","-lc","dropdb app"],"workdir":"sub"})",
           R"(  [ 1 , 2 , [ ] , { } , "" ]  )",
           "\t\r\n{\"a\"\t:\r\n1}\n",
           R"([true,false,null])",
           R"("\u00e9\ud83d\ude00\u0000\"\\\/\b\f\n\r\t")",
           "\"h\xc3\xa9llo \xf0\x9f\x98\x80 \xe2\x9c\x93 \xef\xbf\xbf \xf4\x8f\xbf\xbf\x7f\"",
           R"({"dup":1,"dup":[2]})",
           R"([0,-0,1,-1,1.5,-2.25e-3,1E+2,1e-2,0.0,10E5])",
           R"([18446744073709551615,-9223372036854775808])",
           R"([18446744073709551616,-9223372036854775809,123456789012345678901234567890])",
       }) {
    expect_same(text);
  }
}

TEST(JsonReader, TypesNumbersAsNlohmannDoes) {
  const auto v = read_json("[0,-0,7,-7,1.0,18446744073709551616]");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE((*v)[0].is_number_unsigned());
  EXPECT_TRUE((*v)[1].is_number_integer() && !(*v)[1].is_number_unsigned());
  EXPECT_TRUE((*v)[2].is_number_unsigned());
  EXPECT_TRUE((*v)[3].is_number_integer() && !(*v)[3].is_number_unsigned());
  EXPECT_TRUE((*v)[4].is_number_float());
  EXPECT_TRUE((*v)[5].is_number_float());  // past uint64: a double, as nlohmann reads it
}

TEST(JsonReader, DeclinesWhatIsNotJson) {
  using namespace std::string_literals;
  for (const std::string& text : std::vector<std::string>{"",
                                                          " ",
                                                          "{",
                                                          "}",
                                                          "[1,]",
                                                          "{\"a\":1,}",
                                                          "{\"a\" 1}",
                                                          "{a:1}",
                                                          "[1 2]",
                                                          "01",
                                                          "1.",
                                                          ".5",
                                                          "+1",
                                                          "-",
                                                          "1e",
                                                          "1e+",
                                                          "tru",
                                                          "nul",
                                                          "True",
                                                          "'a'",
                                                          "\"abc",
                                                          "\"a\\x\"",
                                                          "\"\\u12\"",
                                                          "\"\\ud83d\"",
                                                          "\"\\ude00\"",
                                                          "\"\\ud83d\\u0041\"",
                                                          "\"tab\there\"",
                                                          "\"nul\0\""s,
                                                          "\"\xc0\x80\"",
                                                          "\"\xed\xa0\x80\"",
                                                          "\"\xf5\x80\x80\x80\"",
                                                          "\"\xe2\x82\"",
                                                          "\"\x80\"",
                                                          "\"\xf4\x90\x80\x80\"",
                                                          "[1] [2]",
                                                          "{} x",
                                                          "1e400",
                                                          "[/* comment */]"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(read_json(text).has_value());
  }
}

TEST(JsonReader, LeavesDeepNestingToNlohmann) {
  const std::string deep =
      std::string(k_max_json_depth + 1, '[') + std::string(k_max_json_depth + 1, ']');
  EXPECT_FALSE(read_json(deep).has_value());
  EXPECT_FALSE(json::parse(deep, nullptr, false).is_discarded());  // which reads it
  const std::string fits = std::string(k_max_json_depth, '[') + std::string(k_max_json_depth, ']');
  expect_same(fits);
}

TEST(JsonReader, ReadsALargeCommandWhole) {
  std::string command;
  while (command.size() < (1U << 20)) command += "grep -rn \"pattern\" src/ | head -n 20 && ";
  const json request = {{"tool_name", "Bash"}, {"tool_input", {{"command", command}}}};
  const auto v = read_json(request.dump());
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ((*v)["tool_input"]["command"].get<std::string>(), command);
}

// Random edits of valid requests: whenever the reader accepts, nlohmann agrees on the value.
TEST(JsonReader, AgreesWithNlohmannOnMutatedRequests) {
  const std::filesystem::path seeds =
      std::filesystem::path(PGWARDEN_SOURCE_DIR) / "tests/fuzz/json-seeds";
  std::vector<std::string> texts;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    texts.push_back(s.str());
  }
  ASSERT_GE(texts.size(), 5U);
  std::mt19937 rng(20261123);
  const std::string alphabet = "{}[]\",:\\u0123456789abcdefnrtlse.-+Ee \t\n\x80\xc3\xa9\xed\xf0";
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string t = texts[rng() % texts.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      const std::size_t at = rng() % t.size();
      switch (rng() % 3) {
        case 0:
          t.erase(at, 1);
          break;
        case 1:
          t.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          t[at] = alphabet[rng() % alphabet.size()];
      }
    }
    const auto fast = read_json(t);
    if (!fast) continue;
    ++accepted;
    const json reference = json::parse(t, nullptr, false);
    ASSERT_FALSE(reference.is_discarded()) << t;
    ASSERT_EQ(fast->dump(), reference.dump()) << t;
  }
  EXPECT_GT(accepted, 1000);  // the edits leave enough valid JSON for the check to mean something
}

}  // namespace
}  // namespace pgwarden::hook
