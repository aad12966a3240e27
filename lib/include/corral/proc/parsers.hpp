// SPDX-License-Identifier: Apache-2.0
// Pure parsers for /proc files. Each takes the file's text and returns the fields
// corral uses; none does I/O, so all are unit-tested on fixture copies of real files.
// Errors name the file and the field ("stat: field 14 (utime): not a number").
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::proc {

// /proc/PID/stat. comm is a view into the parsed text (valid while the text lives).
struct StatFields {
  pid_t pid = 0;
  std::string_view comm;
  char state = '?';
  pid_t ppid = 0, pgrp = 0, session = 0;
  unsigned flags = 0;  // PF_* flags; PF_KTHREAD marks kernel threads
  std::uint64_t utime = 0, stime = 0;
  long priority = 0, nice = 0, num_threads = 0;
  std::uint64_t starttime = 0;    // clock ticks since boot
  std::uint64_t vsize_bytes = 0;
  std::uint64_t rss_pages = 0;
  int processor = -1;
  unsigned rt_priority = 0, policy = 0;
};
inline constexpr unsigned kPfKthread = 0x00200000;
Result<StatFields> parse_stat(std::string_view text);

// /proc/PID/status: only the lines corral needs.
struct StatusFields {
  std::array<uid_t, 4> uid{};  // real, effective, saved, fs
  std::array<gid_t, 4> gid{};
  long threads = 0;
  std::uint64_t vm_rss_kib = 0, vm_size_kib = 0;
  std::uint64_t voluntary_ctxt = 0, involuntary_ctxt = 0;
  std::string_view cpus_allowed_list;  // view into the text
  bool kthread = false;
  bool has_uid = false, has_gid = false;
  // Privileges: -1 / not has_caps when the kernel does not show the line.
  int seccomp_mode = -1;        // 0 none, 1 strict, 2 filter
  int seccomp_filters = -1;
  int no_new_privs = -1;
  std::uint64_t cap_prm = 0, cap_eff = 0, cap_amb = 0;
  bool has_caps = false;
};
Result<StatusFields> parse_status(std::string_view text);

// /proc/PID/schedstat: "run_time_ns run_delay_ns timeslices".
struct SchedStat {
  std::uint64_t run_time_ns = 0, run_delay_ns = 0, timeslices = 0;
};
Result<SchedStat> parse_schedstat(std::string_view text);

// /proc/PID/syscall: "running", "-1 SP PC" (in user space) or "NR a1..a6 SP PC".
struct SyscallInfo {
  enum class Kind { Running, UserSpace, InSyscall };
  Kind kind = Kind::Running;
  long nr = -1;
  std::array<std::uint64_t, 6> args{};
  std::optional<std::uint64_t> stack_pointer, program_counter;
};
Result<SyscallInfo> parse_syscall(std::string_view text);

// "0-3,8,10-11" (Cpus_allowed_list) -> {0,1,2,3,8,10,11}.
Result<std::vector<int>> parse_cpu_list(std::string_view text);

// /proc/PID/cmdline: NUL-separated arguments (a trailing NUL is optional, since a
// process may rewrite its argv area).
std::vector<std::string> parse_cmdline(std::string_view text);
// The same, joined by spaces into out (reusing its capacity): the ps COMMAND column.
void join_cmdline(std::string_view text, std::string& out);

// /proc/PID/cgroup: one "hier:controllers:path" entry per line.
std::vector<std::string> parse_cgroup(std::string_view text);

// /proc/PID/wchan: the kernel function the task sleeps in; "0" or "" means none.
std::string_view parse_wchan(std::string_view text);

// cgroup v1 freezer.state ("THAWED", "FREEZING", "FROZEN"): true when not THAWED.
bool parse_freezer_state_frozen(std::string_view text);
// cgroup v2 cgroup.events: true when it has the line "frozen 1".
bool parse_cgroup_events_frozen(std::string_view text);

}  // namespace corral::proc
