// SPDX-License-Identifier: Apache-2.0
// Reading processes from /proc into Pcb records.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/pcb/pcb.hpp"

namespace corral::proc {

// What to read. Every process costs one open of /proc/PID and a read of stat; each
// flag below adds files, so a caller asks only for what it shows (as htop does).
struct ReadOptions {
  bool threads = false;       // also fill Pcb::threads from /proc/PID/task
  bool cmdline = true;
  bool exe = true;
  bool fds = true;            // count /proc/PID/fd entries
  bool cgroups = true;
  bool syscall = true;        // /proc/PID/syscall (slow-ish, permission-bound). Read anyway
                              // for stopped/frozen tasks, whose Suspend state depends on it.
  bool sample_running = false;// short schedstat sample to split Ready from Running
  std::string proc_root = "/proc";  // tests point this at a fixture tree

  // Additions (same rule: off = that file is not read).
  bool status = true;         // real uid/gid, ctxt switches, affinity. Off: uid/gid are the
                              // owner of /proc/PID (the effective ids), real_ids_known=false.
  bool privileges = false;    // with status off: read /proc/PID/status for the privileges
                              // alone (seccomp, no_new_privs, capabilities; ids stay the owner's)
  bool schedstat = true;      // run time / run delay (always read for R tasks when sampling)
  bool wchan = true;
  bool user_names = true;     // uid -> name (cached per uid)
  bool check_frozen = true;   // ask the v1/v2 freezer which tasks are frozen (only with /proc)
  int sample_ms = 10;         // length of the Ready/Running sample (>= 1 scheduler tick at HZ >= 100)
  int workers = 0;            // reader threads for read_all; 0 = automatic (1 for small scans)
};

// One process. A missing or vanished process is an Error with code ESRCH and the
// message "no process with pid N".
Result<Pcb> read_process(pid_t pid, const ReadOptions& opts = {});

// Every process; ones that vanish mid-scan are skipped, not reported.
Result<std::vector<Pcb>> read_all(const ReadOptions& opts = {});

}  // namespace corral::proc
