// SPDX-License-Identifier: Apache-2.0
// Which cgroup a process is in, from the text of /proc/PID/cgroup: part of the
// identity check of re-adoption (a recorded process is believed only when it
// is still in its service's cgroup), answered by one read of the process's
// own file instead of a look at every hierarchy's cgroup.procs.
#pragma once

#include <string_view>

namespace corral::persist {

// Whether `placed` (the text of /proc/PID/cgroup, "ID:CONTROLLERS:PATH" lines)
// puts the process, in the hierarchy of controller `ctl` (a v1 controller name;
// "" for the v2 unified hierarchy, line "0::PATH"), in the cgroup `path` under
// corral's folder `base_dir` (mount point + corral's own path). The line's
// path is the folder's tail (shorter when read inside a cgroup namespace) and
// must hold at least corral's folder name and `path`.
bool placed_in_cgroup(std::string_view placed, std::string_view ctl, std::string_view base_dir,
                      std::string_view path);

}  // namespace corral::persist
