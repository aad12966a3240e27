// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/event_line.hpp"

#include <gtest/gtest.h>

namespace corral::protocol {
namespace {

TEST(ProtocolEventLine, EventRoundTrip) {
  EventRecord e{1795930800123, "state", "web@1", "running", "backoff", "exited with code 1", 4242};
  std::string line = encode_event_line(e);
  ASSERT_TRUE(line.ends_with("\n"));
  auto d = decode_stream_line(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_FALSE(d->dropped);
  EXPECT_EQ(d->event["time"], "2026-11-29T05:40:00.123Z");
  EXPECT_EQ(d->event["service"], "web@1");
  EXPECT_EQ(d->event["from"], "running");
  EXPECT_EQ(d->event["to"], "backoff");
  EXPECT_EQ(d->event["reason"], "exited with code 1");
  EXPECT_EQ(d->event["pid"], 4242);
  EXPECT_EQ(d->event["kind"], "state");
}

TEST(ProtocolEventLine, DroppedLine) {
  std::string line = encode_dropped_line(1234, "reader too slow");
  auto d = decode_stream_line(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->dropped);
  EXPECT_EQ(d->missed, 1234u);
  EXPECT_EQ(d->reason, "reader too slow");
}

TEST(ProtocolEventLine, BadLines) {
  EXPECT_FALSE(decode_stream_line("not json"));
  EXPECT_FALSE(decode_stream_line("{\"v\":1}"));
  auto err = decode_stream_line(R"({"v":1,"ok":false,"error":"no such service: x"})");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message, "no such service: x");
}

TEST(ProtocolEventLine, UtcTime) {
  EXPECT_EQ(utc_time_text(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(utc_time_text(1500), "1970-01-01T00:00:01.500Z");
}

}  // namespace
}  // namespace corral::protocol
