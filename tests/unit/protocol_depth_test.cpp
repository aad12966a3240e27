// SPDX-License-Identifier: Apache-2.0
// A bounded JSON nesting depth on both sides of the protocol (issue 9, fix 4):
// 1,000,000 nested arrays are a protocol error, never a stack overflow.
#include <gtest/gtest.h>

#include <string>

#include "corral/protocol/protocol.hpp"

namespace corral::protocol {
namespace {

std::string nested(int depth, const std::string& key) {
  return "{\"v\":1,\"" + key + "\":" + std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']') + "}";
}

constexpr int kMaxDepth = 64;  // protocol.cpp's bound
const std::string kDeepError = "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels";

TEST(ProtocolDepth, DeepRequestIsRefused) {
  auto r = decode_request("{\"cmd\":\"status\",\"names\":" + std::string(1000000, '['));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "request longer than 65536 bytes");  // the line cap comes first
  auto d = decode_request(nested(kMaxLine / 2 - 40, "names"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, kDeepError);
}

TEST(ProtocolDepth, MillionNestedArraysInAResponseAreAnError) {
  auto r = decode_response("{\"ok\":true,\"data\":" + std::string(1000000, '[') + std::string(1000000, ']') + "}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, kDeepError);
  // Unclosed, too: the scan refuses before the parser would descend.
  auto u = decode_response("{\"ok\":true,\"data\":" + std::string(1000000, '['));
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, kDeepError);
}

TEST(ProtocolDepth, MillionNestedArraysInALogChunkAreAnError) {
  auto r = decode_log_chunk(nested(1000000, "log"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, kDeepError);
}

TEST(ProtocolDepth, BracketsInsideStringsDoNotCount) {
  auto r = decode_log_chunk("{\"v\":1,\"log\":\"" + std::string(1000, '[') + "\\\"{{{\"}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, std::string(1000, '[') + "\"{{{");
}

TEST(ProtocolDepth, DepthAtTheLimitIsAccepted) {
  // The outer object is one level: kMaxDepth - 1 arrays inside it.
  auto r = decode_response("{\"ok\":true,\"data\":" + std::string(kMaxDepth - 1, '[') +
                           std::string(kMaxDepth - 1, ']') + "}");
  ASSERT_TRUE(r) << r.error().message;
  auto over = decode_response("{\"ok\":true,\"data\":" + std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']') + "}");
  ASSERT_FALSE(over);
}

}  // namespace
}  // namespace corral::protocol
