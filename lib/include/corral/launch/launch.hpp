// SPDX-License-Identifier: Apache-2.0
// clone3/fork + exec of a LaunchSpec, following the child-setup order in docs/ARCHITECTURE.md.
// Only async-signal-safe calls run between fork and exec; a failed step travels
// back to the parent as (step, errno) through a close-on-exec pipe, so the caller
// sees "exec /nonexistent: No such file or directory" instead of an exit 127.
//
// Two ways to use it:
// - launch(spec): prepare, start, wait for the exec. One call, blocking.
// - prepare(spec) once, then start(prepared) per launch and poll_handshake() when
//   the handshake fd is readable (an event loop: corrald). The prepared work (the
//   resolved path, argv/envp, user and groups, opened files, the cgroup fds and
//   the seccomp program) is reused by every start.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/launch/launch_spec.hpp"

namespace corral::launch {

// How the child was made (see lib/src/launch/spawn.hpp).
enum class SpawnMethod : std::uint8_t {
  Clone3Vfork,  // clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD): no copy of the launcher's memory
  Clone3,       // clone3(CLONE_PIDFD): a copy, for a child that must wait on the launcher
  Fork,         // fork + pidfd_open: clone3 is missing (ENOSYS)
};
std::string_view to_string(SpawnMethod m);

struct Launched {
  pid_t pid = -1;
  UniqueFd pidfd;   // from clone3 (or pidfd_open after fork): pollable for exit, safe against pid reuse
  UniqueFd seccomp_listener;  // syscall_filter_mode "learn": the user-notification fd
  SpawnMethod method = SpawnMethod::Fork;
  bool born_in_cgroup = false;  // cloned into its cgroup v2 (CLONE_INTO_CGROUP), never outside it
  bool slots_only = false;      // shared the launcher's fd table and kept only its own fds (reserve_launch_fd_slots)
};

// Starts the process. On a child-side failure the child has already been reaped
// and the Error names the step and object, e.g. "chdir /nope: No such file or directory".
Result<Launched> launch(const LaunchSpec& spec);

// The work done before any fork, kept for every later start of the same spec.
// It holds open files (stdio targets, the cgroup); fds the spec borrows
// (StdioTarget::from_fd, pass_fds) must stay open while it is used.
struct PreparedLaunch;
using Prepared = std::shared_ptr<const PreparedLaunch>;
Result<Prepared> prepare(const LaunchSpec& spec);

// A child that runs its setup; its exec is not confirmed yet.
struct Pending {
  Launched process;
  UniqueFd handshake;  // the error pipe's read end: readable at exec (EOF) or at a failed step (a record)
  Prepared prepared;
};

// Starts a child of p. Never waits for the exec, except in learning mode (the
// listener handoff needs the child's cooperation up to execve) and for the few
// microseconds a vfork-style child shares the launcher's memory.
Result<Pending> start(const Prepared& p);

// Reads the handshake without blocking when it is not readable yet.
// true: the child exec'd (pending.process is the running process); false: still
// in setup, ask again when the handshake fd is readable; an Error: a step failed,
// the child has been reaped (unless the caller reaped it first) and the message
// is the same as launch() gives.
Result<bool> poll_handshake(Pending& pending);

// For a launcher that holds many fds (corrald: several per service). Reserves a
// few of the lowest free fd numbers for the calling thread, so that its
// vfork-style children share its fd table and unshare only those few at once,
// instead of copying every fd at clone and closing them all again at execve
// (lib/src/launch/fd_slots.hpp). Call it early, while the low numbers are free,
// and never dup2 onto a number you did not open: the reserved ones are taken.
// false: no vfork-style children here (not x86_64, or AddressSanitizer), the
// kernel refuses close_range(CLOSE_RANGE_UNSHARE) (Linux 5.9, or a seccomp
// policy), or no fd could be had; launches then work as without it.
bool reserve_launch_fd_slots();

// Tests: behave as if clone3 returned ENOSYS (an old kernel, or a container whose
// seccomp policy hides it), so the fork fallback runs.
void simulate_clone3_missing(bool missing);

}  // namespace corral::launch
