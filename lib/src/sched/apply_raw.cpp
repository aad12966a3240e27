// SPDX-License-Identifier: Apache-2.0
// The async-signal-safe half of sched/apply.hpp: raw syscalls only, no allocation,
// errno returned rather than thrown or wrapped, so it may run between fork and exec.
#include <sys/resource.h>

#include <cerrno>

#include "corral/sched/apply.hpp"
#include "sched_attr.hpp"

namespace corral::sched {

int set_policy_raw(pid_t tid, const SchedSpec& spec) noexcept {
  detail::KernelSchedAttr attr{};
  attr.size = sizeof(attr);
  attr.sched_policy = static_cast<std::uint32_t>(to_kernel(spec.policy));
  switch (spec.policy) {
    case Policy::Other:
    case Policy::Batch: {
      // sched_setattr also sets nice for the fair policies; keep the current value
      // so that "policy only" does not silently reset a nice set earlier.
      errno = 0;
      int cur = ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
      if (cur == -1 && errno != 0) return errno;
      attr.sched_nice = cur;
      break;
    }
    case Policy::Idle:
      break;
    case Policy::Fifo:
    case Policy::RoundRobin:
      attr.sched_priority = spec.priority;
      break;
    case Policy::Deadline:
      attr.sched_runtime = spec.runtime_ns;
      attr.sched_deadline = spec.deadline_ns;
      attr.sched_period = spec.period_ns;
      break;
  }
  if (detail::sys_sched_setattr(tid, &attr) != 0) return errno;
  return 0;
}

int set_nice_raw(pid_t tid, const SchedSpec& spec) noexcept {
  if (!spec.nice) return 0;
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), *spec.nice) != 0) return errno;
  return 0;
}

int apply_in_child(const SchedSpec& spec) noexcept {
  if (int err = set_policy_raw(0, spec); err != 0) return err;
  return set_nice_raw(0, spec);
}

}  // namespace corral::sched
