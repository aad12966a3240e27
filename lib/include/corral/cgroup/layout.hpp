// SPDX-License-Identifier: Apache-2.0
// Which cgroup hierarchy the machine runs, from /proc/self/mountinfo, and where this
// process sits in it (/proc/self/cgroup).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "corral/base/result.hpp"
#include "corral/cgroup/cgroup.hpp"

namespace corral::cgroup {

// The v1 controllers corral uses. cpu and cpuacct may be co-mounted or separate.
enum class Controller { Cpu, Cpuacct, Cpuset, Memory, Pids, Freezer };
std::string_view to_string(Controller c);

struct Layout {
  Mode mode = Mode::V2;
  std::string v2_mount;                       // empty when there is no cgroup2 mount
  std::map<Controller, std::string> v1_mounts;  // controller -> mountpoint
};

// Pure: decides the mode from mountinfo text. `v2_has_controllers` tells whether the
// cgroup2 mount's cgroup.controllers is non-empty (a hybrid system lists none there).
Result<Layout> parse_layout(std::string_view mountinfo, bool v2_has_controllers);
// Reads /proc/self/mountinfo and the cgroup2 mount's cgroup.controllers.
Result<Layout> detect_layout();

// Pure: parses /proc/PID/cgroup. Keys: "" for the v2 line (0::/path), otherwise each
// controller name of a v1 line ("cpu", "cpuacct", "name=systemd", ...).
std::map<std::string, std::string> parse_proc_cgroup(std::string_view text);

}  // namespace corral::cgroup
