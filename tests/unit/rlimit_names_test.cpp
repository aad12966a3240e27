// SPDX-License-Identifier: Apache-2.0
#include "corral/launch/rlimit_names.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace corral::launch {
namespace {

TEST(RlimitNames, ParsesAnySpelling) {
  EXPECT_EQ(parse_rlimit("nofile"), RLIMIT_NOFILE);
  EXPECT_EQ(parse_rlimit("NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(parse_rlimit("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(parse_rlimit("rlimit_core"), RLIMIT_CORE);
  EXPECT_EQ(parse_rlimit("as"), RLIMIT_AS);
  EXPECT_EQ(parse_rlimit("files"), std::nullopt);
  EXPECT_EQ(parse_rlimit("RLIMIT_"), std::nullopt);
  EXPECT_EQ(parse_rlimit(""), std::nullopt);
}

TEST(RlimitNames, NamesRoundTrip) {
  for (int r = 0; r < RLIM_NLIMITS; ++r) {
    auto name = rlimit_name(r);
    ASSERT_FALSE(name.empty()) << r;
    EXPECT_EQ(parse_rlimit(name), r);
  }
  EXPECT_EQ(rlimit_name(-1), "");
}

}  // namespace
}  // namespace corral::launch
