// SPDX-License-Identifier: Apache-2.0
// Applying a SchedSpec (policy + parameters, then nice) to a process, and reading
// one back. The *_in_child functions are async-signal-safe (raw syscalls, no
// allocation) so the launcher can call them between fork and exec; they return
// an errno (0 = success) instead of a Result, which would allocate.
#pragma once

#include <sys/types.h>

#include <string>

#include "corral/base/result.hpp"
#include "corral/sched/sched_spec.hpp"

namespace corral::sched {

// sched_setattr(tid, policy and parameters). For other/batch the current nice is
// kept (sched_setattr would otherwise reset it to 0); an explicit nice follows in
// set_nice_raw. Returns 0 or an errno. Async-signal-safe.
int set_policy_raw(pid_t tid, const SchedSpec& spec) noexcept;
// setpriority(PRIO_PROCESS, tid, *spec.nice) when spec.nice is set; 0 or an errno.
int set_nice_raw(pid_t tid, const SchedSpec& spec) noexcept;

// In the calling (single-threaded, freshly forked) process: policy, then nice —
// nice after the policy because setting the policy resets it. 0 or an errno.
int apply_in_child(const SchedSpec& spec) noexcept;

// Applies spec to every thread of a running process (/proc/PID/task), policy then
// nice. Threads that exit meanwhile are skipped. Error names the pid and the step:
// "sched_setattr pid 42 fifo 50: Operation not permitted".
Status apply(pid_t pid, const SchedSpec& spec);

// The policy and parameters of pid's main thread (sched_getattr). nice is always set.
Result<SchedSpec> read(pid_t pid);

// "fifo 50", "other", "deadline runtime 10000000ns deadline 30000000ns period 30000000ns"
// (plus " nice N" when set) — the object named in error messages.
std::string describe(const SchedSpec& spec);

// Inverse of to_kernel(); nullopt for a policy corral does not know.
std::optional<Policy> from_kernel(int kernel_policy);

}  // namespace corral::sched
