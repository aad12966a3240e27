// SPDX-License-Identifier: Apache-2.0
// The pure parts of sched/apply.hpp; applying policies is tested in integration.
#include "corral/sched/apply.hpp"

#include <gtest/gtest.h>
#include <sched.h>

namespace corral::sched {
namespace {

TEST(SchedApply, Describe) {
  EXPECT_EQ(describe(SchedSpec{Policy::Fifo, 50, std::nullopt, 0, 0, 0}), "fifo 50");
  EXPECT_EQ(describe(SchedSpec{Policy::RoundRobin, 1, std::nullopt, 0, 0, 0}), "rr 1");
  EXPECT_EQ(describe(SchedSpec{Policy::Other, 0, std::nullopt, 0, 0, 0}), "other");
  EXPECT_EQ(describe(SchedSpec{Policy::Batch, 0, 5, 0, 0, 0}), "batch nice 5");
  EXPECT_EQ(describe(SchedSpec{Policy::Deadline, 0, std::nullopt, 10, 30, 40}),
            "deadline runtime 10ns deadline 30ns period 40ns");
}

TEST(SchedApply, FromKernelInvertsToKernel) {
  for (Policy p : {Policy::Other, Policy::Batch, Policy::Idle, Policy::Fifo, Policy::RoundRobin, Policy::Deadline})
    EXPECT_EQ(from_kernel(to_kernel(p)), p);
  EXPECT_EQ(from_kernel(SCHED_FIFO), Policy::Fifo);
  EXPECT_EQ(from_kernel(42), std::nullopt);
}

TEST(SchedApply, ReadsOwnPolicy) {
  // Reading needs no privilege: our own thread is SCHED_OTHER under ctest.
  auto self = read(::getpid());
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_TRUE(self->nice.has_value());
}

}  // namespace
}  // namespace corral::sched
