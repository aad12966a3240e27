// SPDX-License-Identifier: Apache-2.0
// The textbook Fair Share Scheduler, as pure functions. For process j in group k, at
// the end of interval i (after the interval's ticks were charged to both):
//   CPU_j(i)  = CPU_j(i-1) / 2
//   GCPU_k(i) = GCPU_k(i-1) / 2
//   P_j(i)    = Base_j + CPU_j(i)/2 + GCPU_k(i) / (4 * W_k)
// with the W_k normalised so that they sum to 1. Lower P = higher priority.
#pragma once

#include <sys/types.h>

#include <map>

namespace corral::fairshare {

struct FssProc {
  int group = 0;
  double base = 0;      // Base_j
  double cpu = 0;       // CPU_j, decayed
  double priority = 0;  // P_j after the last interval
};

struct FssGroup {
  double weight = 0;  // W_k, normalised (0 < W_k <= 1, sum 1)
  double gcpu = 0;    // GCPU_k, decayed
};

struct FssState {
  std::map<pid_t, FssProc> procs;
  std::map<int, FssGroup> groups;
};

// {100, 200, 400} -> {1/7, 2/7, 4/7}. Non-positive weights count as 0; all-zero
// input gives equal weights.
std::map<int, double> normalise_weights(const std::map<int, double>& raw);

// One interval: charges ticks[j] to CPU_j and to its group's GCPU_k, halves both,
// and recomputes every P_j. Processes absent from `ticks` used no CPU. Pure.
FssState fss_interval(FssState state, const std::map<pid_t, double>& ticks);

}  // namespace corral::fairshare
