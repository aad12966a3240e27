// SPDX-License-Identifier: Apache-2.0
// Everything the child needs, computed before fork: the child may only make
// async-signal-safe calls, so it must not allocate, look up users, search PATH or
// open files by itself. It only reads this struct.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/launch/child_failure.hpp"
#include "corral/launch/launch_spec.hpp"
#include "corral/seccomp/bpf_program.hpp"

namespace corral::launch {

struct PreparedLaunch {
  // argv/envp as NULL-terminated char* arrays pointing into the *_storage strings.
  std::vector<std::string> argv_storage;
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  std::string exec_path;

  bool new_session = true;
  int parent_death_signal = 0;
  pid_t parent_pid = 0;           // getpid() before fork, for the re-check after PR_SET_PDEATHSIG

  UniqueFd cgroup_procs;          // opened O_WRONLY before fork; the child writes "0"
  std::string cgroup_procs_path;
  // The cgroup's directory (O_PATH). On v2 clone3 with CLONE_INTO_CGROUP makes
  // the child there, and the child skips the write; on both, spawn.hpp looks at
  // its freezer state before a vfork-style clone.
  UniqueFd cgroup_dir;
  bool cgroup_v2 = false;

  std::vector<Rlimit> rlimits;
  std::optional<sched::SchedSpec> sched;
  bool set_affinity = false;
  cpu_set_t affinity{};
  std::string affinity_text;      // "0,2" for messages

  std::string cwd;                // empty: inherit
  std::optional<mode_t> umask;

  // Source fd for 0, 1, 2 (always >= 3, so dup2 never hits itself); -1 = inherit.
  std::array<int, 3> stdio_source{-1, -1, -1};
  std::array<UniqueFd, 3> stdio_owned;  // the sources we opened (files, dups; /dev/null is shared)

  bool set_groups = false;
  std::vector<gid_t> groups;
  std::optional<gid_t> gid;
  std::optional<uid_t> uid;
  bool no_new_privs = false;
  std::vector<std::pair<int, int>> pass_fds;  // {source, child fd}; dup2'ed after the close-on-exec marking

  // Hardening (see capabilities.hpp, seccomp/bpf_program.hpp).
  std::optional<std::uint64_t> capability_bounding;
  std::optional<std::uint64_t> capabilities;      // only with a non-root uid
  int last_capability = 40;
  std::shared_ptr<const seccomp::BpfProgram> filter;  // built once per filter setting (filter_cache.hpp)
  sock_fprog filter_program{};                    // points into filter->instructions
  bool load_filter = false;
  bool learn = false;                             // syscall_filter_mode "learn": the listener handoff runs
  unsigned filter_flags = 0;
  std::string filter_text;                        // "@system-service ~@mount (kill)" for messages

  int fd_scan_limit = 1024;       // upper bound for the fcntl fallback when close_range is missing
};

// Builds the prepared launch: validates the spec, resolves the executable, the
// user and groups, opens the cgroup and stdio files. Errors name the field/object.
Result<PreparedLaunch> prepare_launch(const LaunchSpec& spec);

// Moves fd to a number >= 3 (close-on-exec), so the child's dup2 onto 0..2 never
// clobbers it. what names the fd in the error.
Status move_above_stdio(UniqueFd& fd, const std::string& what);

// "chdir /nope: No such file or directory" — the failed step with its object.
Error describe_failure(const PreparedLaunch& prepared, const ChildFailure& failure);

}  // namespace corral::launch
