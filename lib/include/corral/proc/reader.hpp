// Reading processes from /proc into Pcb records.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/pcb/pcb.hpp"

namespace corral::proc {

struct ReadOptions {
  bool threads = false;       // also fill Pcb::threads from /proc/PID/task
  bool cmdline = true;
  bool exe = true;
  bool fds = true;            // count /proc/PID/fd entries
  bool cgroups = true;
  bool syscall = true;        // /proc/PID/syscall (slow-ish, permission-bound)
  bool sample_running = false;// short schedstat sample to split Ready from Running
  std::string proc_root = "/proc";  // tests point this at a fixture tree
};

// One process. ESRCH-style errors (it vanished) come back as an Error with code ESRCH.
Result<Pcb> read_process(pid_t pid, const ReadOptions& opts = {});

// Every process; ones that vanish mid-scan are skipped, not reported.
Result<std::vector<Pcb>> read_all(const ReadOptions& opts = {});

}  // namespace corral::proc
