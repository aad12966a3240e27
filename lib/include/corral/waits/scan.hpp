// SPDX-License-Identifier: Apache-2.0
// Reads the waits of a real system into a Snapshot: file locks (/proc/locks, fdinfo),
// pipes and FIFOs (/proc/PID/syscall, fd, fdinfo), process-shared and private pthread
// mutexes (futex address from /proc/TID/syscall, owner from the mutex word read with
// process_vm_readv), corral's registry, and System V semaphores (waiters only).
#pragma once

#include <sys/types.h>

#include <vector>

#include "corral/base/result.hpp"
#include "corral/waits/snapshot.hpp"

namespace corral::waits {

struct ScanOptions {
  // Empty: every process. Otherwise the scan starts from these and follows the holders
  // of whatever they wait for (transitively), so a deadlock through them is complete.
  std::vector<pid_t> pids;
  bool locks = true;
  bool pipes = true;
  bool mutexes = true;
  bool registry = true;
  bool sysv = true;
};

Result<Snapshot> scan_system(const ScanOptions& options);

}  // namespace corral::waits
