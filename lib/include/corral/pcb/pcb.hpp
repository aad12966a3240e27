// SPDX-License-Identifier: Apache-2.0
// corral::Pcb — the textbook process control block, filled from /proc.
// Fields are grouped in the textbook's three categories. Optional fields are
// absent when the kernel does not let us read them (e.g. /proc/PID/syscall of
// another user's process), never guessed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "corral/pcb/proc_state.hpp"

namespace corral {

struct PcbIdentification {
  pid_t pid = 0;   // for a thread record: its TID
  pid_t tgid = 0;  // thread-group id (the "process" id)
  pid_t ppid = 0;
  pid_t pgid = 0;
  pid_t sid = 0;
  uid_t uid = 0, euid = 0;
  gid_t gid = 0, egid = 0;
  std::string user;     // name of the real uid, or the number when unknown
  std::string comm;     // kernel comm (<=15 chars, may contain spaces and parens)
  std::vector<std::string> cmdline;  // empty for kernel threads and zombies
  std::string exe;      // readlink of /proc/PID/exe, empty when not readable
  bool kernel_thread = false;
  bool real_ids_known = true;  // false: status was not read; uid/gid are the effective ids
};

struct PcbProcessorState {
  int last_cpu = -1;                  // "processor" field of stat
  std::optional<long> syscall_nr;     // from /proc/PID/syscall; -1 = running in user space
  std::optional<std::uint64_t> stack_pointer;
  std::optional<std::uint64_t> program_counter;
  bool syscall_readable = false;      // false: not ours to read (permission) or vanished
};

// The textbook's "privileges", from /proc/PID/status: seccomp, no_new_privs and
// the capability sets. known is false when status was not read.
struct PcbPrivileges {
  bool known = false;
  int seccomp_mode = -1;              // 0 none, 1 strict, 2 filter; -1 not shown by the kernel
  int seccomp_filters = -1;           // filters attached; -1 not shown
  int no_new_privs = -1;              // 0/1; -1 not shown
  std::uint64_t cap_eff = 0, cap_prm = 0, cap_amb = 0;
};

struct PcbControl {
  char kernel_state = '?';            // R S D T t Z X I P ...
  ProcState state = ProcState::Blocked;
  bool state_sampled = false;         // true when Ready vs Running was decided by a sample
  bool frozen = false;                // in a frozen cgroup
  std::string wchan;                  // awaited event: kernel function, "" when running
  std::optional<long> blocked_syscall;// the syscall it is blocked in, when known
  int policy = 0;                     // SCHED_* number
  unsigned rt_priority = 0;
  int nice = 0;
  int priority = 0;                   // kernel "priority" field of stat
  std::vector<int> affinity;          // CPUs from Cpus_allowed_list
  std::vector<std::string> cgroups;   // lines of /proc/PID/cgroup, "hier:controllers:path"
  std::uint64_t utime_ticks = 0, stime_ticks = 0;
  std::uint64_t run_time_ns = 0;      // schedstat field 1: time on CPU
  std::uint64_t run_delay_ns = 0;     // schedstat field 2: time spent Ready (runnable, waiting)
  std::uint64_t voluntary_ctxt = 0, involuntary_ctxt = 0;
  long threads = 0;
  std::uint64_t rss_kib = 0, vsz_kib = 0;
  int open_fds = -1;                  // -1 when /proc/PID/fd is not readable
  std::uint64_t start_time_ticks = 0; // since boot, in clock ticks
  PcbPrivileges privileges;
};

struct Pcb {
  PcbIdentification id;
  PcbProcessorState cpu;
  PcbControl control;
  std::vector<Pcb> threads;           // filled only when threads were asked for
};

}  // namespace corral
