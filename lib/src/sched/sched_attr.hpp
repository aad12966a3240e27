// SPDX-License-Identifier: Apache-2.0
// struct sched_attr and the raw sched_setattr/sched_getattr syscalls. glibc 2.36
// has neither the struct nor wrappers, and <linux/sched/types.h> clashes with
// <sched.h>, so the layout (include/uapi/linux/sched/types.h) is declared here.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>

namespace corral::sched::detail {

struct KernelSchedAttr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
  std::uint32_t sched_util_min;  // SCHED_ATTR_SIZE_VER1
  std::uint32_t sched_util_max;
};
static_assert(sizeof(KernelSchedAttr) == 56, "sched_attr VER1 layout");

inline long sys_sched_setattr(pid_t tid, KernelSchedAttr* attr) noexcept {
  return ::syscall(SYS_sched_setattr, tid, attr, 0U);
}
inline long sys_sched_getattr(pid_t tid, KernelSchedAttr* attr) noexcept {
  return ::syscall(SYS_sched_getattr, tid, attr, static_cast<unsigned>(sizeof(*attr)), 0U);
}

}  // namespace corral::sched::detail
