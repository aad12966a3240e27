// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "corral/cgroup/layout.hpp"

using namespace corral::cgroup;

namespace {
// This build machine: v1 controllers, cpu and cpuacct separate, controller-less cgroup2.
constexpr const char* kHybridMounts =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
}  // namespace

TEST(CgroupLayout, HybridWithSeparateCpuAndCpuacct) {
  auto l = parse_layout(kHybridMounts, false);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->mode, Mode::Hybrid);
  EXPECT_EQ(l->v2_mount, "/sys/fs/cgroup/unified");
  EXPECT_EQ(l->v1_mounts.at(Controller::Cpu), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(l->v1_mounts.at(Controller::Cpuacct), "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(l->v1_mounts.at(Controller::Freezer), "/sys/fs/cgroup/freezer");
  EXPECT_EQ(l->v1_mounts.size(), 6u);
}

TEST(CgroupLayout, PureV2) {
  auto l = parse_layout("30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", true);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->mode, Mode::V2);
  EXPECT_EQ(l->v2_mount, "/sys/fs/cgroup");
  EXPECT_TRUE(l->v1_mounts.empty());
}

TEST(CgroupLayout, PureV1WithComountedCpuCpuacct) {
  auto l = parse_layout(
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct\n", false);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->mode, Mode::V1);
  EXPECT_EQ(l->v1_mounts.at(Controller::Cpu), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(l->v1_mounts.at(Controller::Cpuacct), "/sys/fs/cgroup/cpu,cpuacct");
}

TEST(CgroupLayout, NoCgroupsIsAnError) {
  EXPECT_FALSE(parse_layout("22 1 0:5 / /proc rw - proc proc rw\n", false).ok());
}

TEST(CgroupLayout, ProcSelfCgroup) {
  auto m = parse_proc_cgroup("4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/init.scope\n");
  EXPECT_EQ(m.at("memory"), "/process_api/abc");
  EXPECT_EQ(m.at("cpu"), "/");
  EXPECT_EQ(m.at("cpuacct"), "/");
  EXPECT_EQ(m.at(""), "/init.scope");
}
