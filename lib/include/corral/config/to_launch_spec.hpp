// SPDX-License-Identifier: Apache-2.0
// ServiceConfig -> LaunchSpec: the static part of starting a service. The
// daemon adds what depends on its runtime state: stdout/stderr targets (log
// files), the cgroup.procs path, the parent-death signal.
#pragma once

#include "corral/config/config.hpp"
#include "corral/launch/launch_spec.hpp"

namespace corral::config {

// Search path given to a service whose env does not set PATH (the launcher
// passes a clean environment, and resolves argv[0] with the child's PATH).
inline constexpr const char* kDefaultServicePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// argv, env (plus PATH when unset, and CORRAL_SERVICE / CORRAL_INSTANCE), cwd,
// user, unix_group -> group, umask, sched, affinity cpus. stdin is /dev/null;
// stdout and stderr are left to the caller (inherit).
launch::LaunchSpec to_launch_spec(const ServiceConfig& service);

}  // namespace corral::config
