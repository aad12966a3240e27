// SPDX-License-Identifier: Apache-2.0
// The child half of launch(): runs between fork and exec.
#pragma once

#include "fd_slots.hpp"
#include "prepared_launch.hpp"

namespace corral::launch {

// Exit code of a child whose setup failed; the launcher reaps it and returns the
// step's Error, so this code is never what a caller sees.
inline constexpr int kChildSetupFailedExit = 127;

// What one launch adds to the prepared work (which is shared by every launch of
// a service): the pipes of this child.
struct ChildContext {
  const PreparedLaunch* prepared = nullptr;
  int error_fd = -1;              // the write end of the error pipe (close-on-exec)
  bool in_cgroup = false;         // cloned into its cgroup (CLONE_INTO_CGROUP): no write to cgroup.procs
  // Learning mode: the child writes its listener's fd number to learn_report_fd,
  // then waits on learn_sync_fd until the launcher has taken a copy (learn_handoff.hpp).
  int learn_report_fd = -1;
  int learn_sync_fd = -1;
  // The launcher's fds as the child finds them after unsharing a shared table
  // (fd_slots.hpp); identity when the child was made with a copy.
  ChildFds fds;
};

// Applies c.prepared in the fixed order of docs/ARCHITECTURE.md ("Child setup") and execs, or reports the
// failing step on c.error_fd and _exits. Async-signal-safe only: it reads the
// prepared work and makes system calls, and writes no memory but its own stack
// (it may share the launcher's memory: spawn.hpp).
[[noreturn]] void run_child_setup(const ChildContext& c) noexcept;

}  // namespace corral::launch
