// SPDX-License-Identifier: Apache-2.0
// Which cgroup a process is in, from one read of /proc/PID/cgroup.
//
// Re-adoption believes a recorded process only when it is still in its
// service's cgroup. Reading the process's own /proc/PID/cgroup answers that
// in one read (instead of a check that the cgroup exists in every v1
// hierarchy and a read of its cgroup.procs), and the same text then tells
// FairShare::after_launch which v1 hierarchies the process is already in.
// The parsing is lib's (corral/persist/proc_cgroup.hpp, unit-tested).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "corral/cgroup/cgroup.hpp"
#include "corral/persist/proc_cgroup.hpp"

namespace corral::daemon {

// The identity check of re-adoption for one corral cgroup tree: the hierarchy
// that cgroup.procs and kill use (v1: freezer, else the first; v2: unified).
class ServiceCgroupCheck {
 public:
  explicit ServiceCgroupCheck(const cgroup::Cgroups& cg);
  // Whether /proc/PID/cgroup's text puts the process in `path` (relative to
  // corral's folder, e.g. "default/web").
  bool holds(std::string_view placed, std::string_view path) const {
    return !base_dir_.empty() && persist::placed_in_cgroup(placed, ctl_, base_dir_, path);
  }

 private:
  std::string ctl_;
  std::string base_dir_;
};

// The text of /proc/PID/cgroup, or "" when the process is gone.
std::string read_proc_cgroup(pid_t pid);

}  // namespace corral::daemon
