// SPDX-License-Identifier: Apache-2.0
// Durations, sizes, signal names and command splitting of the config format.
#include <gtest/gtest.h>

#include <csignal>

#include "corral/config/units.hpp"

namespace corral::config {
namespace {

using namespace std::chrono_literals;

TEST(ConfigDuration, ParsesUnitsFractionsAndSums) {
  EXPECT_EQ(*parse_duration("500ms"), 500ms);
  EXPECT_EQ(*parse_duration("10s"), 10s);
  EXPECT_EQ(*parse_duration("2m"), 2min);
  EXPECT_EQ(*parse_duration("1h"), 1h);
  EXPECT_EQ(*parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(*parse_duration("0.1s"), 100ms);
  EXPECT_EQ(*parse_duration("250us"), 250us);
  EXPECT_EQ(*parse_duration("7ns"), 7ns);
  EXPECT_EQ(*parse_duration("1m30s"), 90s);
  EXPECT_EQ(*parse_duration("5"), 5s);       // a bare number is seconds
  EXPECT_EQ(*parse_duration("0.25"), 250ms);
  EXPECT_EQ(*parse_duration(" 10 s "), 10s);
  EXPECT_EQ(*parse_duration("0s"), 0s);
  EXPECT_EQ(*parse_duration(".5s"), 500ms);
}

TEST(ConfigDuration, RejectsBadInput) {
  for (const char* bad : {"", "s", "-1s", "10 parsecs", "1e3s", "inf", "1..2s", "1m5", "10S", "ms5", "1.2.3s",
                          "99999999999999999999s", "400000h"}) {
    auto r = parse_duration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("bad duration"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_EQ(parse_duration("10 parsecs").error().message,
            "bad duration \"10 parsecs\": unknown unit \"parsecs\" (use ns, us, ms, s, m or h)");
}

TEST(ConfigDuration, FromSecondsAndFormat) {
  EXPECT_EQ(*duration_from_seconds(1.5), 1500ms);
  EXPECT_EQ(*duration_from_seconds(3), 3s);
  EXPECT_FALSE(duration_from_seconds(-1).ok());
  EXPECT_FALSE(duration_from_seconds(1e12).ok());
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(2min), "2m");
  EXPECT_EQ(format_duration(1h), "1h");
  EXPECT_EQ(format_duration(3ns), "3ns");
  EXPECT_EQ(*parse_duration(format_duration(1234567us)), 1234567us);
}

TEST(ConfigSize, ParsesBinaryUnits) {
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_EQ(*parse_size("64K"), 64u * 1024);
  EXPECT_EQ(*parse_size("10M"), 10u << 20);
  EXPECT_EQ(*parse_size("1G"), 1ull << 30);
  EXPECT_EQ(*parse_size("2T"), 2ull << 40);
  EXPECT_EQ(*parse_size("64k"), 64u * 1024);
  EXPECT_EQ(*parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(*parse_size("10MB"), 10u << 20);
  EXPECT_EQ(*parse_size("100B"), 100u);
  EXPECT_EQ(*parse_size("1.5K"), 1536u);
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("18446744073709551615"), 18446744073709551615ull);
}

TEST(ConfigSize, RejectsBadInput) {
  for (const char* bad : {"", "M", "-1", "10Q", "10MiBs", "1.2.3M", "16777216T", "99999999999999999999", "10BB"})
    EXPECT_FALSE(parse_size(bad).ok()) << bad;
  EXPECT_EQ(parse_size("10Q").error().message, "bad size \"10Q\": unknown unit \"Q\" (use K, M, G or T)");
}

TEST(ConfigSize, Format) {
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(10u << 20), "10M");
  EXPECT_EQ(format_size(1536), "1536");
  EXPECT_EQ(format_size(3ull << 30), "3G");
}

std::vector<std::string> split(std::string_view s) {
  auto r = split_command(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<std::string>{};
}

using V = std::vector<std::string>;

TEST(ConfigSplitCommand, SplitsLikeAShellWithoutExpanding) {
  EXPECT_EQ(split("/bin/echo hello world"), (V{"/bin/echo", "hello", "world"}));
  EXPECT_EQ(split("  a \t b\n c  "), (V{"a", "b", "c"}));
  EXPECT_EQ(split("echo 'hello world'"), (V{"echo", "hello world"}));
  EXPECT_EQ(split("echo \"hello world\""), (V{"echo", "hello world"}));
  EXPECT_EQ(split("echo a\\ b"), (V{"echo", "a b"}));
  EXPECT_EQ(split("echo 'it''s'"), (V{"echo", "its"}));
  EXPECT_EQ(split("echo \"a \\\"q\\\" \\\\ \\$HOME \\n\""), (V{"echo", "a \"q\" \\ $HOME \\n"}));
  EXPECT_EQ(split("echo 'no \\escape \"here\"'"), (V{"echo", "no \\escape \"here\""}));
  EXPECT_EQ(split("echo '' \"\" x"), (V{"echo", "", "", "x"}));
  EXPECT_EQ(split("echo pre'mid'post\"end\""), (V{"echo", "premidpostend"}));
  EXPECT_EQ(split("sh -c 'echo $HOME; ls *.txt > out'"), (V{"sh", "-c", "echo $HOME; ls *.txt > out"}));
  EXPECT_EQ(split("a $X ~ *"), (V{"a", "$X", "~", "*"}));
  EXPECT_EQ(split("a\\\nb"), (V{"ab"}));
  EXPECT_EQ(split("a \\'b"), (V{"a", "'b"}));
}

TEST(ConfigSplitCommand, RejectsUnbalancedQuotesAndEmpty) {
  auto r = split_command("echo 'hello");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unbalanced single quote in command (opened at character 6)");
  r = split_command("echo \"a \\\" b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unbalanced double quote in command (opened at character 6)");
  EXPECT_FALSE(split_command("echo a\\").ok());
  EXPECT_FALSE(split_command("").ok());
  EXPECT_FALSE(split_command("   ").ok());
}

}  // namespace
}  // namespace corral::config
