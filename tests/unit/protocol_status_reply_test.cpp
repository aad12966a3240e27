// SPDX-License-Identifier: Apache-2.0
// The streamed status reply must be the nlohmann rendering, byte for byte: the
// wire format did not change when the JSON tree went (issue 13).
#include "corral/protocol/status_reply.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "corral/protocol/json_text.hpp"

namespace corral::protocol {
namespace {

using nlohmann::json;

// What corrald sent before: the tree, dumped by encode().
std::string tree_rendering(const std::vector<ServiceStatus>& rows) {
  json arr = json::array();
  for (const auto& s : rows) arr.push_back(to_json(s));
  return encode(Response::success(std::move(arr)));
}

std::string streamed(const std::vector<ServiceStatus>& rows) {
  StatusReplyWriter w;
  w.reserve(rows.size());
  for (const auto& s : rows) w.add(s);
  return w.finish();
}

std::string nlohmann_string(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ours_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string ours_double(double v) {
  std::string out;
  append_json_double(out, v);
  return out;
}

// Every awkward text a service name, error, exit text or sd_notify STATUS= may hold.
const std::vector<std::string>& awkward_texts() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> t{"",
                               "web",
                               "web@12",
                               "quote \" backslash \\ slash /",
                               "tab\tnewline\ncr\rbell\afeed\fback\b",
                               std::string("nul\0inside", 10),
                               "del \x7f",
                               "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x90\x8e",  // é 中 🐎
                               "lone continuation \x80",
                               "truncated \xe2\x82",
                               "truncated at end \xf0\x9f\x90",
                               "overlong \xc0\xaf",
                               "surrogate \xed\xa0\x80",
                               "past U+10FFFF \xf4\x90\x80\x80",
                               "\xff\xfe",
                               "mixed \xc3\xa9\x80\"\x01"};
    std::string controls;
    for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
    t.push_back(controls);
    return t;
  }();
  return texts;
}

TEST(StatusReply, RichStatusIsTheTreeRenderingByteForByte) {
  std::vector<ServiceStatus> rows;
  const double uptimes[] = {0.0,
                            -0.0,
                            1.5,
                            0.1 + 0.2,
                            1e-7,
                            123456.789,
                            86400.0 * 365,
                            1e15,
                            1e16,
                            1e21,
                            5e-324,
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity()};
  int i = 0;
  for (const auto& text : awkward_texts()) {
    for (double up : uptimes) {
      ServiceStatus s;
      s.name = text + std::to_string(i);
      s.state = i % 3 ? "running" : "backoff";
      s.pid = i % 5 ? 1000 + i : (i % 2 ? 0 : -1);
      s.restarts = i % 7 ? i : std::numeric_limits<int>::max();
      s.uptime_s = up;
      s.last_exit = i % 2 ? text : "killed by SIGKILL";
      s.error = i % 3 ? "" : text;
      s.deadlock = i % 4 == 0;
      s.ready = i % 2 == 0;
      s.health = i % 3 == 1 ? "failing" : "unknown";
      s.status_text = text;
      rows.push_back(s);
      ++i;
    }
  }
  EXPECT_EQ(streamed(rows), tree_rendering(rows));
  EXPECT_EQ(streamed({}), tree_rendering({}));
  EXPECT_EQ(streamed({rows[0]}), tree_rendering({rows[0]}));
}

TEST(StatusReply, StreamedReplyDecodesAsBefore) {
  ServiceStatus s;
  s.name = "web@1";
  s.state = "running";
  s.pid = 4242;
  s.uptime_s = 12.25;
  s.ready = true;
  s.health = "ok";
  std::string line = streamed({s});
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto resp = decode_response(line);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  ASSERT_TRUE(resp->ok);
  ASSERT_EQ(resp->data.size(), 1u);
  auto back = status_from_json(resp->data[0]);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->name, "web@1");
  EXPECT_EQ(back->pid, 4242);
  EXPECT_DOUBLE_EQ(back->uptime_s, 12.25);
  EXPECT_EQ(back->health, "ok");
}

TEST(StatusReply, StringsMatchNlohmannOnRandomBytes) {
  for (const auto& text : awkward_texts()) EXPECT_EQ(ours_string(text), nlohmann_string(text)) << text;
  std::mt19937 rng(1313);
  // Bytes weighted toward the interesting ones: controls, quotes, UTF-8 lead and continuation bytes.
  const unsigned char pool[] = {0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, 0x20, '"',  '\\', '/',  'a',
                                0x7f, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
                                0xf4, 0xf5, 0xff};
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 12, '\0');
    for (char& c : s) c = static_cast<char>(pool[rng() % sizeof pool]);
    ASSERT_EQ(ours_string(s), nlohmann_string(s)) << "round " << round;
  }
}

TEST(StatusReply, DoublesMatchNlohmann) {
  std::mt19937_64 rng(77);
  for (int round = 0; round < 20000; ++round) {
    double v;
    if (round % 2) {
      std::uint64_t bits = rng();
      std::memcpy(&v, &bits, sizeof v);
    } else {
      v = static_cast<double>(rng() % 100000000) / static_cast<double>(1 + rng() % 1000);
    }
    ASSERT_EQ(ours_double(v), json(v).dump()) << "round " << round;
  }
}

TEST(StatusReply, Utf8Validity) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xf0\x9f\x90\x8e \xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
}

}  // namespace
}  // namespace corral::protocol
