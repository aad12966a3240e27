// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/proc_blocked.hpp"

#include <fcntl.h>

#include "corral/base/file_read.hpp"

namespace corral::ipc {

bool KernelWait::blocked() const {
  if (state != 'S') return false;
  // wchan is "0" when the kernel hides it; then the state letter has to do.
  return wchan.empty() || wchan == "0" || wchan.find("futex") != std::string::npos;
}

KernelWait kernel_wait_of(pid_t pid) {
  KernelWait k;
  std::string buf;
  const std::string dir = "/proc/" + std::to_string(pid);
  if (read_file_at(AT_FDCWD, (dir + "/stat").c_str(), buf)) {
    // The state follows the last ')' (the command name may contain spaces and parens).
    const auto p = buf.rfind(')');
    if (p != std::string::npos && p + 2 < buf.size()) k.state = buf[p + 2];
  }
  if (read_file_at(AT_FDCWD, (dir + "/wchan").c_str(), buf)) k.wchan = buf;
  return k;
}

}  // namespace corral::ipc
