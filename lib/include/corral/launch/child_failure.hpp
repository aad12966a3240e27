// SPDX-License-Identifier: Apache-2.0
// The launcher's error-pipe protocol. Each child-setup step has its own id; a
// failed step sends one fixed-size record (step, errno, detail) through a
// close-on-exec pipe and the child _exits. The parent reads the pipe to EOF:
// no bytes means execve succeeded (the pipe closed on exec), a whole record means
// the named step failed. Public so it can be unit-tested; callers use launch().
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "corral/base/result.hpp"

namespace corral::launch {

// In the fixed order of child setup (docs/ARCHITECTURE.md, "Child setup between fork and exec").
enum class Step : std::int32_t {
  NewSession = 1,    // setsid
  ResetSignals,      // sigaction(SIG_DFL) for every signal, empty mask
  ParentDeathSignal, // prctl(PR_SET_PDEATHSIG); set again after setuid/setgid, which clear it
  ParentGone,        // getppid() no longer the launcher: it died before we could watch it
  JoinCgroup,        // write "0" to cgroup.procs
  Rlimit,            // setrlimit; detail = index into LaunchSpec::rlimits
  SchedPolicy,       // sched_setattr
  Nice,              // setpriority
  Affinity,          // sched_setaffinity
  Chdir,             // chdir
  Umask,             // umask (cannot fail; kept so the order is complete)
  Stdio,             // dup2; detail = target fd 0, 1 or 2
  CloseOnExec,       // mark inherited fds >= 3 close-on-exec
  SetGroups,         // setgroups
  SetGid,            // setresgid
  SetUid,            // setresuid
  NoNewPrivs,        // prctl(PR_SET_NO_NEW_PRIVS)
  Exec,              // execve
  // Hardening steps, appended so the numbers above stay; in the child they run
  // around SetUid: CapBounding and KeepCaps before SetGroups, SetCaps and
  // AmbientCaps after SetUid, SeccompFilter after NoNewPrivs, last before Exec.
  CapBounding,       // prctl(PR_CAPBSET_DROP)
  KeepCaps,          // prctl(PR_SET_KEEPCAPS)
  SetCaps,           // capset
  AmbientCaps,       // prctl(PR_CAP_AMBIENT_RAISE); detail = the capability
  SeccompFilter,     // seccomp(SECCOMP_SET_MODE_FILTER)
};

// Short name of the step's system call, e.g. "chdir", "sched_setattr".
std::string_view step_name(Step step);

struct ChildFailure {
  Step step = Step::Exec;
  std::int32_t error = 0;   // errno
  std::int32_t detail = 0;  // step-specific index (rlimit index, stdio fd)
};

// Child side: one write of the whole record (smaller than PIPE_BUF, so atomic).
// Async-signal-safe. Returns false if the write failed (nothing more to do then).
bool send_child_failure(int fd, const ChildFailure& failure) noexcept;

// Parent side: reads until EOF. nullopt = EOF without data (exec succeeded);
// a record = the step that failed; an Error for a read error or a torn record.
Result<std::optional<ChildFailure>> receive_child_failure(int fd);

}  // namespace corral::launch
