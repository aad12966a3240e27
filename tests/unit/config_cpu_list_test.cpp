// SPDX-License-Identifier: Apache-2.0
// corral::parse_cpu_list / format_cpu_list (lib/src/base/cpu_list.cpp), used by
// the config's affinity and group cpus keys.
#include <gtest/gtest.h>

#include "corral/base/cpu_list.hpp"

namespace corral {
namespace {

using Cpus = std::vector<int>;

TEST(ConfigCpuList, ParsesRangesAndSingles) {
  EXPECT_EQ(*parse_cpu_list("0"), (Cpus{0}));
  EXPECT_EQ(*parse_cpu_list("0-3,6"), (Cpus{0, 1, 2, 3, 6}));
  EXPECT_EQ(*parse_cpu_list("6, 0-1 ,1"), (Cpus{0, 1, 6}));  // sorted, deduplicated
  EXPECT_EQ(*parse_cpu_list("2-2"), (Cpus{2}));
  EXPECT_EQ(*parse_cpu_list("0-3\n"), (Cpus{0, 1, 2, 3}));    // as read from sysfs
}

TEST(ConfigCpuList, RejectsBadItems) {
  for (const char* bad : {"", " ", "3-1", "x", "1-", "-1", "1,,2", "1-2-3", "0-9000", "9000", "1.5", ","})
    EXPECT_FALSE(parse_cpu_list(bad).ok()) << bad;
  EXPECT_EQ(parse_cpu_list("0,3-1").error().message, "bad CPU range \"3-1\": start is after end");
  EXPECT_EQ(parse_cpu_list("a").error().message, "bad CPU number \"a\" (expected N or N-M)");
}

TEST(ConfigCpuList, FormatsRuns) {
  EXPECT_EQ(format_cpu_list({}), "");
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 6}), "0-3,6");
  EXPECT_EQ(format_cpu_list({6, 3, 2, 2, 1, 9, 10}), "1-3,6,9-10");
  EXPECT_EQ(format_cpu_list(*parse_cpu_list("0-3,6,8-11")), "0-3,6,8-11");
}

}  // namespace
}  // namespace corral
