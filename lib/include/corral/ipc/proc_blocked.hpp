// SPDX-License-Identifier: Apache-2.0
// Is a process really blocked in the kernel? The semaphore demo does not trust
// its own bookkeeping for "P4 blocks": it reads /proc/PID/stat (state S) and
// /proc/PID/wchan (a futex wait) to show the process is asleep on the primitive.
#pragma once

#include <sys/types.h>

#include <string>

namespace corral::ipc {

struct KernelWait {
  char state = '?';   // /proc/PID/stat state letter
  std::string wchan;  // kernel function it sleeps in ("futex_wait_queue"), may be "0" or empty
  bool blocked() const;  // sleeping, and on a futex when wchan is readable
};

KernelWait kernel_wait_of(pid_t pid);

}  // namespace corral::ipc
