// SPDX-License-Identifier: Apache-2.0
// corral/persist/proc_cgroup.hpp: re-adoption's "is this pid still in its
// service's cgroup" from the text of /proc/PID/cgroup.
#include "corral/persist/proc_cgroup.hpp"

#include <gtest/gtest.h>

using corral::persist::placed_in_cgroup;

namespace {

// A hybrid host as corral meets it: v1 controllers (cpu and cpuacct apart,
// memory nested), a named hierarchy and the controller-less cgroup2.
constexpr const char* kHybridProcCgroup =
    "9:name=systemd:/\n"
    "8:pids:/corral-x/default/web\n"
    "6:freezer:/corral-x/default/web\n"
    "4:memory:/process_api/abc/corral-x/default/web\n"
    "2:cpuacct:/\n"
    "1:cpu:/corral-x/default/web\n"
    "0::/\n";

TEST(ProcCgroup, AV1ControllerLinePlacesTheProcess) {
  EXPECT_TRUE(placed_in_cgroup(kHybridProcCgroup, "freezer", "/sys/fs/cgroup/freezer/corral-x", "default/web"));
  EXPECT_TRUE(placed_in_cgroup(kHybridProcCgroup, "cpu", "/sys/fs/cgroup/cpu/corral-x", "default/web"));
  EXPECT_TRUE(placed_in_cgroup(kHybridProcCgroup, "memory", "/sys/fs/cgroup/memory/process_api/abc/corral-x", "default/web"));
}

TEST(ProcCgroup, AnotherServiceOrAnotherTreeIsNotIt) {
  EXPECT_FALSE(placed_in_cgroup(kHybridProcCgroup, "freezer", "/sys/fs/cgroup/freezer/corral-x", "default/db"));
  EXPECT_FALSE(placed_in_cgroup(kHybridProcCgroup, "freezer", "/sys/fs/cgroup/freezer/corral-x", "default/we"));
  EXPECT_FALSE(placed_in_cgroup(kHybridProcCgroup, "freezer", "/sys/fs/cgroup/freezer/corral-y", "default/web"));
  // A service's sub-cgroup is not the service's cgroup (cgroup.procs would not list it).
  EXPECT_FALSE(placed_in_cgroup("6:freezer:/corral-x/default/web/inner\n", "freezer",
                                "/sys/fs/cgroup/freezer/corral-x", "default/web"));
  // In the root of a hierarchy: not in corral's tree at all.
  EXPECT_FALSE(placed_in_cgroup(kHybridProcCgroup, "cpuacct", "/sys/fs/cgroup/cpuacct/corral-x", "default/web"));
}

TEST(ProcCgroup, AControllerIsMatchedByNameNotByPrefix) {
  // "cpu" must not match the "cpuacct" hierarchy, and a joint mount lists both.
  EXPECT_FALSE(placed_in_cgroup("2:cpuacct:/corral-x/default/web\n", "cpu", "/sys/fs/cgroup/cpu/corral-x",
                                "default/web"));
  EXPECT_TRUE(placed_in_cgroup("2:cpu,cpuacct:/corral-x/default/web\n", "cpu",
                               "/sys/fs/cgroup/cpu,cpuacct/corral-x", "default/web"));
  EXPECT_FALSE(placed_in_cgroup(kHybridProcCgroup, "blkio", "/sys/fs/cgroup/blkio/corral-x", "default/web"));
}

TEST(ProcCgroup, V2IsTheZeroLine) {
  constexpr const char* v2 = "0::/system.slice/corrald.service/corral/default/web\n";
  EXPECT_TRUE(placed_in_cgroup(v2, "", "/sys/fs/cgroup/system.slice/corrald.service/corral", "default/web"));
  EXPECT_FALSE(placed_in_cgroup(v2, "", "/sys/fs/cgroup/system.slice/corrald.service/corral", "default/db"));
  // The hybrid host's cgroup2 line is "0::/": nobody's service there.
  EXPECT_FALSE(placed_in_cgroup(kHybridProcCgroup, "", "/sys/fs/cgroup/unified/corral-x", "default/web"));
}

TEST(ProcCgroup, InsideACgroupNamespaceThePathIsTheTail) {
  // corrald in a container whose namespace root is /system.slice/box: the line
  // shows /corral/default/web, the folder is the full path.
  EXPECT_TRUE(placed_in_cgroup("0::/corral/default/web\n", "", "/sys/fs/cgroup/system.slice/box/corral",
                               "default/web"));
  // ... but the tail must hold corral's folder: "/default/web" alone is not enough.
  EXPECT_FALSE(placed_in_cgroup("0::/default/web\n", "", "/sys/fs/cgroup/corral", "default/web"));
}

TEST(ProcCgroup, GarbageAndEmptyTextPlaceNothing) {
  EXPECT_FALSE(placed_in_cgroup("", "freezer", "/sys/fs/cgroup/freezer/corral-x", "default/web"));
  EXPECT_FALSE(placed_in_cgroup("no colons here\n::\n6:freezer\n", "freezer", "/sys/fs/cgroup/freezer/corral-x",
                                "default/web"));
  // No newline at the end is still a line.
  EXPECT_TRUE(placed_in_cgroup("6:freezer:/corral-x/default/web", "freezer", "/sys/fs/cgroup/freezer/corral-x",
                               "default/web"));
}

}  // namespace

// read_proc_file: one read() when the file fits, and all of a longer one.
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "corral/base/file_read.hpp"
#include "corral/persist/state_file.hpp"

namespace {

TEST(ReadProcFile, ReadsWhatReadFileReads) {
  auto mine = corral::persist::read_proc_file("/proc/self/cgroup");
  auto full = corral::read_file("/proc/self/cgroup");
  ASSERT_TRUE(mine.ok() && full.ok());
  EXPECT_EQ(*mine, *full);
  EXPECT_FALSE(mine->empty());
}

TEST(ReadProcFile, ALongerFileIsReadToTheEnd) {
  char path[] = "/tmp/corral-read-proc-file-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::string text;
  for (int i = 0; text.size() < 3 * 4096 + 17; ++i) text += "line " + std::to_string(i) + "\n";
  std::ofstream(path) << text;
  auto got = corral::persist::read_proc_file(path);
  ::unlink(path);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, text);
}

TEST(ReadProcFile, AMissingProcessIsAnError) {
  EXPECT_FALSE(corral::persist::read_proc_file("/proc/0/stat").ok());
}

}  // namespace
