// SPDX-License-Identifier: Apache-2.0
// Runs in the child between fork and exec: one raw system call, nothing else.
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "corral/seccomp/bpf_program.hpp"

namespace corral::seccomp {

int load_filter(const sock_fprog& program, unsigned flags) noexcept {
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &program);
  return rc < 0 ? -errno : static_cast<int>(rc);
}

}  // namespace corral::seccomp
