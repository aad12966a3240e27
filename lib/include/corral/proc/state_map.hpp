// SPDX-License-Identifier: Apache-2.0
// Kernel state letter (+ freezer, syscall, sample) -> the seven-state model.
// The rule, also in corralctl(1) "THE SEVEN-STATE MAPPING":
//   Z, X                  -> Exit
//   T, t, or in a frozen cgroup -> a Suspend state:
//       in a syscall when stopped (/proc/PID/syscall number >= 0) -> Blocked/Suspend,
//       in user space (-1)                                       -> Ready/Suspend;
//       syscall unknown: frozen in place while sleeping (S/D and not parked in the
//       freezer's own wait, __refrigerator/do_freezer_trap/get_signal) -> Blocked/Suspend,
//       otherwise                                                 -> Ready/Suspend.
//   R                     -> Running or Ready: the reader itself is Running; otherwise
//                            a sample decides (run time grew at least as much as the
//                            run delay -> Running, else Ready); unsampled -> Running,
//                            marked not sampled.
//   S, D, I, P, W, K, ... -> Blocked
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "corral/pcb/proc_state.hpp"

namespace corral::proc {

struct RunSample {
  std::uint64_t run_time_delta_ns = 0;   // schedstat field 1 growth over the sample
  std::uint64_t run_delay_delta_ns = 0;  // schedstat field 2 growth over the sample
};

struct StateInputs {
  char kernel_state = '?';
  bool frozen = false;                 // member of a frozen (or freezing) cgroup
  std::optional<long> syscall_nr;      // >= 0 in a syscall, -1 user space; unset = unknown
  std::string_view wchan;
  bool is_self = false;                // the thread doing the reading
  std::optional<RunSample> sample;
};

struct StateVerdict {
  ProcState state = ProcState::Blocked;
  bool sampled = false;  // Ready vs Running decided by a sample (or by being ourselves)
};

StateVerdict derive_state(const StateInputs& in);

// True when the wchan is the freezer's own wait (the task was frozen on its way
// back to user space, not while sleeping in a syscall).
bool is_freezer_wait(std::string_view wchan);

}  // namespace corral::proc
