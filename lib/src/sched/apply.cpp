// SPDX-License-Identifier: Apache-2.0
// Applying and reading scheduling policies of running processes (corralctl sched,
// the daemon). Per thread, because SCHED policy and nice are per-thread on Linux.
#include "corral/sched/apply.hpp"

#include <sched.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "corral/sched/pinner.hpp"  // list_threads
#include "sched_attr.hpp"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

namespace corral::sched {

std::optional<Policy> from_kernel(int kernel_policy) {
  for (Policy p : {Policy::Other, Policy::Batch, Policy::Idle, Policy::Fifo, Policy::RoundRobin,
                   Policy::Deadline})
    if (to_kernel(p) == kernel_policy) return p;
  return std::nullopt;
}

std::string describe(const SchedSpec& spec) {
  std::string out(to_string(spec.policy));
  switch (spec.policy) {
    case Policy::Fifo:
    case Policy::RoundRobin:
      out += ' ';
      out += std::to_string(spec.priority);
      break;
    case Policy::Deadline:
      out += " runtime " + std::to_string(spec.runtime_ns) + "ns deadline " +
             std::to_string(spec.deadline_ns) + "ns period " + std::to_string(spec.period_ns) + "ns";
      break;
    default:
      break;
  }
  if (spec.nice) out += " nice " + std::to_string(*spec.nice);
  return out;
}

Status apply(pid_t pid, const SchedSpec& spec) {
  auto tids = list_threads(pid);
  if (!tids) return tids.error();
  std::size_t applied = 0;
  for (pid_t tid : *tids) {
    std::string who = tid == pid ? "pid " + std::to_string(pid)
                                 : "pid " + std::to_string(pid) + " tid " + std::to_string(tid);
    if (int err = set_policy_raw(tid, spec); err != 0) {
      if (err == ESRCH) continue;  // the thread exited meanwhile
      return Error::from_errno(err, "sched_setattr " + who + " " + describe(spec));
    }
    if (int err = set_nice_raw(tid, spec); err != 0) {
      if (err == ESRCH) continue;
      return Error::from_errno(err, "setpriority " + who + " nice " + std::to_string(*spec.nice));
    }
    ++applied;
  }
  if (applied == 0) return Error::from_errno(ESRCH, "sched_setattr pid " + std::to_string(pid));
  return {};
}

Result<SchedSpec> read(pid_t pid) {
  detail::KernelSchedAttr attr{};
  if (detail::sys_sched_getattr(pid, &attr) != 0)
    return errno_error("sched_getattr pid " + std::to_string(pid));
  auto policy = from_kernel(static_cast<int>(attr.sched_policy));
  if (!policy)
    return Error::logic("sched_getattr pid " + std::to_string(pid) + ": unknown policy " +
                            std::to_string(attr.sched_policy),
                        EINVAL);
  SchedSpec spec;
  spec.policy = *policy;
  spec.priority = attr.sched_priority;
  spec.nice = attr.sched_nice;
  if (*policy == Policy::Deadline) {
    spec.runtime_ns = attr.sched_runtime;
    spec.deadline_ns = attr.sched_deadline;
    spec.period_ns = attr.sched_period;
  }
  return spec;
}

}  // namespace corral::sched
