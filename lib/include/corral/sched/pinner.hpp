// SPDX-License-Identifier: Apache-2.0
// Applies a Placement to every thread of a running process (sched_setaffinity per
// TID from /proc/PID/task) and remembers which TIDs it placed, so that rescan()
// pins threads the process creates later. corrald calls rescan() each interval;
// `corralctl pin` calls apply() once.
#pragma once

#include <sys/types.h>

#include <map>

#include "corral/base/result.hpp"
#include "corral/sched/placement.hpp"

namespace corral::sched {

// The TIDs of pid, ascending (the main thread, tid == pid, comes first).
Result<std::vector<pid_t>> list_threads(pid_t pid);
Status set_affinity(pid_t tid, const std::vector<int>& cpus);
Result<std::vector<int>> get_affinity(pid_t tid);

class Pinner {
 public:
  Pinner(pid_t pid, Placement placement);

  // Places every thread not yet placed; returns how many it placed now. Threads in
  // order of TID get consecutive slots of the placement (main thread first). A
  // thread that exits meanwhile is skipped and forgotten.
  Result<unsigned> apply();
  Result<unsigned> rescan() { return apply(); }

  pid_t pid() const { return pid_; }
  const Placement& placement() const { return placement_; }
  const std::map<pid_t, int>& placed() const { return placed_; }  // tid -> cpu (-1: mask)

 private:
  int next_cpu() const;
  pid_t pid_;
  Placement placement_;
  std::map<pid_t, int> placed_;
};

}  // namespace corral::sched
