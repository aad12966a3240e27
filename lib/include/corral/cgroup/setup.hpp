// SPDX-License-Identifier: Apache-2.0
// Opening the cgroup layer for a supervisor: detect the hierarchy, find this process's
// own cgroup, and prepare the subtree corral's groups live in.
//
//  - v2 under systemd (Delegate=yes) or any non-root own cgroup: the own cgroup is the
//    delegated subtree. Because v2 forbids processes in a cgroup that enables
//    controllers for its children, this process first moves into the leaf
//    "<own>/supervisor", then writes cgroup.subtree_control, then creates <own>/<name>.
//  - v2 in the root cgroup: creates /sys/fs/cgroup/<name>.
//  - v1 / hybrid: creates <mount>/<own path>/<name> in each controller (nested under
//    where this process already is, so an outer limit, e.g. a memory cgroup the
//    machine puts us in, still applies). cpuset.cpus/mems are copied from the parent.
#pragma once

#include <memory>

#include "corral/cgroup/cgroup.hpp"
#include "corral/cgroup/cgroup_v2.hpp"
#include "corral/cgroup/layout.hpp"

namespace corral::cgroup {

struct SetupOptions {
  std::string name = "corral";  // tests use "corral-test-<pid>"
  CgroupV2::Options v2;         // passed to the v2 backends (test hooks)
  pid_t self = 0;               // the process to move into the v2 leaf; 0 = getpid()
};

struct Opened {
  std::unique_ptr<Cgroups> cgroups;  // paths relative to the subtree
  Layout layout;
  std::string base;  // the subtree directory (v2) or the cpu controller's (v1), for messages
  std::unique_ptr<Cgroups> parent;  // the same backend one level up, where `name` lives
  std::string name;
};

Result<Opened> open_cgroups(const SetupOptions& options = {});

// The same from a given layout and /proc/self/cgroup map (parse_proc_cgroup), so
// unit tests can run the delegated-v2 steps against a tree they build.
Result<Opened> open_cgroups_in(const Layout& layout, const std::map<std::string, std::string>& own,
                               const SetupOptions& options);

// Removes the subtree made by open_cgroups (must be empty of processes).
Status close_cgroups(Opened& opened);

}  // namespace corral::cgroup
