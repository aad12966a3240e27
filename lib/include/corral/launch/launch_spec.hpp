// SPDX-License-Identifier: Apache-2.0
// LaunchSpec: everything the launcher needs to start one process. Static
// configuration (what to run) lives here; the live handle is Launched.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "corral/sched/sched_spec.hpp"
#include "corral/seccomp/filter_spec.hpp"

namespace corral::launch {

// Where a child's stdout or stderr goes.
struct StdioTarget {
  enum class Kind { Inherit, Null, File, Fd };
  Kind kind = Kind::Inherit;
  std::string path;     // Kind::File: opened O_WRONLY|O_CREAT|O_APPEND (or O_TRUNC), mode 0640
  bool append = true;
  int fd = -1;          // Kind::Fd: e.g. the write end of a pipe; dup2'ed, caller keeps ownership

  static StdioTarget inherit() { return {}; }
  static StdioTarget null() { return {Kind::Null, {}, true, -1}; }
  static StdioTarget file(std::string p, bool append = true) { return {Kind::File, std::move(p), append, -1}; }
  static StdioTarget from_fd(int fd) { return {Kind::Fd, {}, true, fd}; }
  bool operator==(const StdioTarget&) const = default;
};

struct Rlimit {
  int resource = 0;     // RLIMIT_*
  rlim_t soft = RLIM_INFINITY;
  rlim_t hard = RLIM_INFINITY;
  bool operator==(const Rlimit&) const = default;
};

struct LaunchSpec {
  std::vector<std::string> argv;                  // argv[0] is resolved with PATH from env if it has no '/'
  std::map<std::string, std::string> env;         // the child's whole environment (clean: nothing inherited)
  std::string cwd;                                // empty: inherit
  std::optional<std::string> user;                // name or number; sets uid, primary gid and supplementary groups
  std::optional<std::string> group;               // overrides the primary group
  std::optional<mode_t> umask;
  std::vector<Rlimit> rlimits;
  StdioTarget stdin_target = StdioTarget::null();
  StdioTarget stdout_target;
  StdioTarget stderr_target;
  bool new_session = true;                        // setsid(): own session and process group
  int parent_death_signal = 0;                    // PR_SET_PDEATHSIG; 0 = none
  // Hooks for the later issues (fair share, scheduling, pinning); unset = untouched.
  std::string cgroup_procs_path;                  // "cgroup.procs" file the child joins first
  std::optional<sched::SchedSpec> sched;
  std::vector<int> cpu_affinity;                  // empty = inherit
  bool no_new_privs = false;
  // Extra descriptors for the child: {fd in the launcher, fd number in the child}
  // (e.g. the write end of a readiness pipe as fd N, s6 style). The caller keeps
  // ownership; the child number must be >= 3.
  std::vector<std::pair<int, int>> pass_fds;
  // Hardening: a syscall filter (sets no_new_privs too), capabilities for a
  // non-root user (ambient + permitted, nothing else), the bounding set.
  std::optional<seccomp::FilterConfig> syscall_filter;
  std::optional<std::uint64_t> capabilities;
  std::optional<std::uint64_t> capability_bounding;
  // Equal specs prepare alike (launch::prepare): corrald reuses the prepared work.
  bool operator==(const LaunchSpec&) const = default;
};

}  // namespace corral::launch
