// SPDX-License-Identifier: Apache-2.0
// The PCB's privileges from /proc/PID/status, and capability names.
#include <gtest/gtest.h>

#include "corral/launch/capabilities.hpp"
#include "corral/proc/parsers.hpp"

namespace corral {
namespace {

TEST(Privileges, StatusLinesAreParsed) {
  auto f = proc::parse_status(
      "Name:\tpython3\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"
      "CapInh:\t0000000000000400\nCapPrm:\t0000000000000400\nCapEff:\t0000000000000400\n"
      "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000400\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->has_caps);
  EXPECT_EQ(f->cap_prm, 0x400U);
  EXPECT_EQ(f->cap_eff, 0x400U);
  EXPECT_EQ(f->cap_amb, 0x400U);
  EXPECT_EQ(f->no_new_privs, 1);
  EXPECT_EQ(f->seccomp_mode, 2);
  EXPECT_EQ(f->seccomp_filters, 1);
}

TEST(Privileges, OldKernelsWithoutTheLinesSayUnknown) {
  auto f = proc::parse_status("Uid:\t0\t0\t0\t0\n");
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->has_caps);
  EXPECT_EQ(f->seccomp_mode, -1);
  EXPECT_EQ(f->no_new_privs, -1);
  EXPECT_FALSE(proc::parse_status("Uid:\t0\t0\t0\t0\nCapEff:\tzz\n").ok());
}

TEST(Privileges, CapabilityNames) {
  EXPECT_EQ(launch::parse_capability("CAP_NET_BIND_SERVICE"), 10);
  EXPECT_EQ(launch::parse_capability("net_bind_service"), 10);
  EXPECT_EQ(launch::parse_capability("CAP_CHECKPOINT_RESTORE"), 40);
  EXPECT_FALSE(launch::parse_capability("CAP_NOPE"));
  EXPECT_EQ(launch::capability_name(0), "CAP_CHOWN");
  EXPECT_EQ(launch::format_capabilities((1ULL << 10) | 1ULL), "CAP_CHOWN,CAP_NET_BIND_SERVICE");
  EXPECT_EQ(launch::format_capabilities(0), "(none)");
}

}  // namespace
}  // namespace corral
