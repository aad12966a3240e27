// SPDX-License-Identifier: Apache-2.0
#include "corral/base/result.hpp"

#include <gtest/gtest.h>

namespace corral {
namespace {

TEST(Result, CarriesValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);

  Result<int> bad = Error::from_errno(ENOENT, "open /nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ENOENT);
  EXPECT_EQ(bad.error().message, "open /nope: No such file or directory");
}

TEST(Result, StatusDefaultsToSuccess) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Status failed = Error::logic("bad key", EINVAL);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, EINVAL);
}

}  // namespace
}  // namespace corral
