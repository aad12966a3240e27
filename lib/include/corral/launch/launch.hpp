// SPDX-License-Identifier: Apache-2.0
// fork/exec of a LaunchSpec, following the child-setup order in DESIGN.md.
// Only async-signal-safe calls run between fork and exec; a failed step travels
// back to the parent as (step, errno) through a close-on-exec pipe, so the caller
// sees "exec /nonexistent: No such file or directory" instead of an exit 127.
#pragma once

#include <sys/types.h>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/launch/launch_spec.hpp"

namespace corral::launch {

struct Launched {
  pid_t pid = -1;
  UniqueFd pidfd;   // pidfd_open(pid) — pollable for exit, safe against pid reuse
  UniqueFd seccomp_listener;  // syscall_filter_mode "learn": the user-notification fd
};

// Starts the process. On a child-side failure the child has already been reaped
// and the Error names the step and object, e.g. "chdir /nope: No such file or directory".
Result<Launched> launch(const LaunchSpec& spec);

}  // namespace corral::launch
