// SPDX-License-Identifier: Apache-2.0
// The seven-state mapping; see state_map.hpp for the rule and why.
#include "corral/proc/state_map.hpp"

namespace corral::proc {

bool is_freezer_wait(std::string_view wchan) {
  // v1 freezer: __refrigerator; v2 freezer: do_freezer_trap, shown as get_signal
  // when inlined (seen on 6.18).
  return wchan == "__refrigerator" || wchan == "do_freezer_trap" || wchan == "get_signal";
}

StateVerdict derive_state(const StateInputs& in) {
  const char k = in.kernel_state;
  if (k == 'Z' || k == 'X') return {ProcState::Exit, false};

  if (in.frozen || k == 'T' || k == 't') {
    if (in.syscall_nr)
      return {*in.syscall_nr >= 0 ? ProcState::BlockedSuspend : ProcState::ReadySuspend, false};
    // No syscall file: a task frozen in place keeps its sleeping wchan, while one
    // stopped on the way to user space waits in the freezer/stop path itself.
    bool sleeping = (k == 'S' || k == 'D') && !in.wchan.empty() && !is_freezer_wait(in.wchan);
    return {sleeping ? ProcState::BlockedSuspend : ProcState::ReadySuspend, false};
  }

  if (k == 'R') {
    if (in.is_self) return {ProcState::Running, true};
    if (in.sample) {
      const auto& s = *in.sample;
      bool ran = s.run_time_delta_ns > 0 && s.run_time_delta_ns >= s.run_delay_delta_ns;
      return {ran ? ProcState::Running : ProcState::Ready, true};
    }
    return {ProcState::Running, false};
  }

  return {ProcState::Blocked, false};
}

}  // namespace corral::proc
