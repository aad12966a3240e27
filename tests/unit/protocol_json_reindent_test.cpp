// SPDX-License-Identifier: Apache-2.0
// reindent_json must print exactly what nlohmann's parse + dump(indent) prints,
// or refuse (false) so that the caller does the parse.
#include "corral/protocol/json_reindent.hpp"

#include <gtest/gtest.h>

#include <random>

#include "corral/protocol/status_reply.hpp"

namespace corral::protocol {
namespace {

using nlohmann::json;

std::string nlohmann_pretty(std::string_view text, int indent = 2) {
  return json::parse(text).dump(indent, ' ', false, json::error_handler_t::replace);
}

// True and nlohmann's output, or false.
void expect_same_or_refused(std::string_view text, bool expect_accepted) {
  std::string out;
  bool ok = reindent_json(text, 2, out);
  EXPECT_EQ(ok, expect_accepted) << text;
  if (ok) {
    EXPECT_EQ(out, nlohmann_pretty(text)) << text;
  }
}

TEST(JsonReindent, CanonicalTextIsPrintedAsNlohmannPrintsIt) {
  for (std::string_view text : {
           R"([])", R"({})", R"(null)", R"(true)", R"(0)", R"(-0)", R"(-12)", R"(1.5)", R"(1e5)", R"(-2.50E-3)",
           R"(0.30000000000000004)", R"(123456789012345678)", R"("text")", R"([[],{},[[]],{"a":{}}])",
           R"({"a":1,"b":[true,false,null],"c":{"d":"e\"\\\n\t\u0001\u001f"}})",
           R"(["caf\u00e9 is not canonical"])", R"( [ 1 , 2 ] )", R"({"":0,"a":1,"a b":2,"ab":3})",
           "[\"caf\xc3\xa9 \xf0\x9f\x90\x8e\"]", "[\"del \x7f\"]"}) {
    std::string out;
    bool ok = reindent_json(text, 2, out);
    if (ok) {
      EXPECT_EQ(out, nlohmann_pretty(text)) << text;
    }
  }
  expect_same_or_refused(R"({"a":1,"b":[true,false,null],"c":{"d":"e\"\\\n\t\u0001\u001f"}})", true);
  expect_same_or_refused(R"([[],{},[[]],{"a":{}}])", true);
  expect_same_or_refused(R"(-0)", true);
  expect_same_or_refused(R"([1.0,1e5,-2.50E-3,0.30000000000000004,5e-324])", true);
  expect_same_or_refused(R"( [ 1 , 2 ] )", true);
  expect_same_or_refused(R"({"":0,"a":1,"a b":2,"ab":3})", true);
}

TEST(JsonReindent, RefusesWhatNlohmannWouldPrintDifferently) {
  expect_same_or_refused(R"({"b":1,"a":2})", false);           // nlohmann sorts the keys
  expect_same_or_refused(R"({"a":1,"a":2})", false);           // and keeps one of two
  expect_same_or_refused(R"(["\/"])", false);                  // prints "/"
  expect_same_or_refused(R"(["\u0041"])", false);              // prints "A"
  expect_same_or_refused(R"(["\u001F"])", false);              // prints \u001f
  expect_same_or_refused(R"(["\u000a"])", false);              // prints \n
  expect_same_or_refused(R"({"a\n":1})", false);               // escaped keys: order is not the bytes'
  expect_same_or_refused(R"([12345678901234567890])", false);  // near the 64-bit limits
  std::string deep(65, '['), closing(65, ']');
  expect_same_or_refused(deep + closing, false);  // protocol refuses deeper than 64
  std::string ok_deep(64, '['), ok_closing(64, ']');
  expect_same_or_refused(ok_deep + ok_closing, true);
}

TEST(JsonReindent, RefusesWhatIsNotJson) {
  for (std::string_view text : {"", "[", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "01", "1.", ".5", "1e", "+1",
                                "tru", "nul", "[\"open", "\"raw\ncontrol\"", "[1]x", "\"\xc0\xaf\"", "\"\x80\"",
                                "1e999"}) {
    std::string out;
    EXPECT_FALSE(reindent_json(text, 2, out)) << text;
  }
}

// Random documents as nlohmann builds them, compact: the re-indented text is nlohmann's pretty one.
json random_value(std::mt19937& rng, int depth) {
  static const std::vector<std::string> words{"", "a", "web@1", "q\"b\\s", "ctl\x01\n", "caf\xc3\xa9", "del\x7f"};
  switch (depth > 4 ? rng() % 5 : rng() % 7) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int>(rng() % 2000000) - 1000000;
    case 3: return static_cast<double>(rng()) / static_cast<double>(1 + rng() % 100000);
    case 4: return words[rng() % words.size()];
    case 5: {
      json a = json::array();
      for (unsigned i = rng() % 4; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (unsigned i = rng() % 4; i > 0; --i) o[words[rng() % words.size()] + "k"] = random_value(rng, depth + 1);
      return o;
    }
  }
}

TEST(JsonReindent, RandomDocumentsMatchNlohmann) {
  std::mt19937 rng(4242);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = random_value(rng, 0).dump(-1, ' ', false, json::error_handler_t::replace);
    std::string out;
    if (reindent_json(text, 2, out)) {
      ++accepted;
      ASSERT_EQ(out, nlohmann_pretty(text)) << text;
    }
  }
  // Keys with escapes are refused; everything else nlohmann writes is accepted.
  EXPECT_GT(accepted, 2000);
}

TEST(JsonReindent, StatusReplyDataIsAccepted) {
  StatusReplyWriter w;
  for (int i = 0; i < 50; ++i) {
    ServiceStatus s;
    s.name = "svc@" + std::to_string(i);
    s.state = "running";
    s.pid = 100 + i;
    s.uptime_s = i * 1.25;
    s.status_text = i % 2 ? "caf\xc3\xa9 \"ok\"" : "";
    w.add(s);
  }
  std::string line = w.finish();
  line.pop_back();
  json whole = json::parse(line);
  std::string data = whole["data"].dump();
  std::string out;
  ASSERT_TRUE(reindent_json(data, 2, out));
  EXPECT_EQ(out, whole["data"].dump(2, ' ', false, json::error_handler_t::replace));
}

}  // namespace
}  // namespace corral::protocol
