// SPDX-License-Identifier: Apache-2.0
// Turns the textbook FSS into nice values for CFS (fair_share = "nice", used when
// corral cannot use cgroup cpu weights).
//
// Why not map P_j straight onto nice: the textbook scheduler picks the single
// lowest P each tick, so any excess of a group is corrected at once. CFS instead
// shares the CPU in proportion to per-nice weights (1.25x per step), so a fixed
// mapping P -> nice is only a proportional controller and leaves a steady-state
// error that depends on the load. The controller therefore uses the FSS state as
// the measurement and adds integral feedback:
//   - each interval it charges the measured ticks (utime+stime deltas) and runs
//     fss_interval(), so CPU_j and GCPU_k are the decayed usages of the textbook;
//   - the group's decayed share s_k = GCPU_k / sum(GCPU) is compared with W_k. In
//     steady state the FSS group term GCPU_k/(4 W_k) is equal across groups exactly
//     when s_k = W_k, so this is the textbook's balance condition;
//   - the error in nice steps, log(s_k / W_k) / log(1.25), is integrated into a
//     per-group offset I_k (gain `gain`, clamped per step). The offsets are shifted
//     so the smallest is 0: the most under-served group runs at base_nice;
//   - within a group, P_j - mean(P) (i.e. the process's own CPU_j/2 term, relative
//     to the group mean) adds `in_group_gain` steps per 100 % excess, so a process
//     that takes more than its siblings is pushed back, as the textbook intends;
//   - a fractional offset is dithered across the group's processes (rotating each
//     interval), so a group at I = 3.5 runs half its processes at 3 and half at 4.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>

#include "corral/base/result.hpp"
#include "corral/fairshare/fss.hpp"

namespace corral::fairshare {

struct NiceControllerOptions {
  int base_nice = 0;          // nice of the most favoured group
  int max_nice = 19;
  double gain = 0.6;          // integral gain, nice steps per step of error
  double max_step = 3.0;      // clamp of one interval's correction, in nice steps
  double in_group_gain = 2.0;
  double base_priority = 0;   // Base_j of every process
  // false: no integration, the offset is the current error itself (a proportional
  // mapping of the textbook's group term onto nice). Kept to measure why the
  // integral is needed: on CFS it settles near shares proportional to sqrt(W).
  bool integral = true;
};

class NiceController {
 public:
  // weights: raw group weights (e.g. 100, 200, 400), normalised inside.
  explicit NiceController(std::map<int, double> weights, NiceControllerOptions options = {});

  // One interval. `cumulative_ticks`: utime+stime of each process now (from
  // /proc/PID/stat); `group_of`: each live process's group. Returns the nice value
  // for each process. A process seen for the first time is charged nothing this
  // interval; processes that left are forgotten.
  std::map<pid_t, int> update(const std::map<pid_t, std::uint64_t>& cumulative_ticks,
                              const std::map<pid_t, int>& group_of);

  const FssState& state() const { return state_; }
  double offset(int group) const;           // I_k after the last update
  double decayed_share(int group) const;    // s_k after the last update

 private:
  NiceControllerOptions options_;
  std::map<int, double> weights_;  // normalised
  FssState state_;
  std::map<pid_t, std::uint64_t> last_ticks_;
  std::map<int, double> offsets_;
  std::map<int, double> shares_;
  unsigned interval_ = 0;
};

// utime + stime of a process in clock ticks (/proc/PID/stat fields 14 and 15).
Result<std::uint64_t> read_cpu_ticks(pid_t pid);
// setpriority on every thread of pid (nice is per thread on Linux).
Status set_nice_all_threads(pid_t pid, int nice);

}  // namespace corral::fairshare
