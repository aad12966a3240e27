// SPDX-License-Identifier: Apache-2.0
// Which tasks sit in a frozen cgroup. A frozen task's state letter does not say so
// (the kernel shows S or D), so the reader asks the freezer itself: v1
// freezer.state (FROZEN or FREEZING) and v2 cgroup.events ("frozen 1").
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace corral::proc {

struct CgroupMounts {
  std::string freezer_v1;  // mount point of the v1 freezer hierarchy, "" if none
  std::string unified_v2;  // mount point of cgroup2, "" if none
};

// Pure parser of /proc/self/mountinfo text.
CgroupMounts parse_cgroup_mounts(std::string_view mountinfo);
// Reads /proc/self/mountinfo; empty mounts when it cannot be read.
CgroupMounts read_cgroup_mounts();

// True when one of the process's /proc/PID/cgroup lines names a frozen cgroup.
bool cgroup_lines_frozen(const std::vector<std::string>& lines, const CgroupMounts& mounts);

// The TIDs of every task in a frozen cgroup, collected by one walk of both
// hierarchies (cheaper than reading /proc/PID/cgroup for every process).
class FrozenIndex {
 public:
  static FrozenIndex scan(const CgroupMounts& mounts);
  bool contains(pid_t tid) const;
  bool empty() const { return tids_.empty(); }

 private:
  std::vector<pid_t> tids_;  // sorted
};

}  // namespace corral::proc
