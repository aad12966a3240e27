// SPDX-License-Identifier: Apache-2.0
// Making the child: clone3 where the kernel has it, fork where it does not.
//
// - CLONE_PIDFD: the pidfd comes back from the clone itself, so there is no
//   instant in which the pid could be reused before pidfd_open.
// - CLONE_INTO_CGROUP (cgroup v2, with PreparedLaunch::cgroup_dir): the child is
//   born in its cgroup; it never runs a single instruction outside it, and the
//   kernel does no migration (on v2 a migration takes the cgroup threadgroup
//   lock, which waits for an RCU grace period).
// - CLONE_VM | CLONE_VFORK, a vfork-style child on its own stack, when the child
//   setup needs nothing back from the launcher before execve (every launch except
//   syscall_filter_mode "learn", whose child waits for the launcher to take its
//   listener). The launcher's page tables are not copied and its memory does not
//   turn copy-on-write under it (a fork of corrald makes every page it then writes
//   fault once), and the launcher sleeps only while the child runs its setup
//   system calls, up to the point where execve has read the new program, never
//   on the program itself. The child setup is allowed to share memory because it
//   writes nothing but its own stack (child_setup.hpp). x86_64 only (the clone
//   trampoline is a few lines of assembly), and not under AddressSanitizer, which
//   cannot follow a function onto a stack it did not allocate.
// - ENOSYS from clone3 (kernels before 5.3, or a container's seccomp policy that
//   hides it): fork and pidfd_open, as before; the child then joins its cgroup by
//   writing cgroup.procs. The answer is remembered for the process.
#pragma once

#include <sys/types.h>

#include "child_setup.hpp"
#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/launch/launch.hpp"

namespace corral::launch {

struct Spawned {
  pid_t pid = -1;
  UniqueFd pidfd;
  SpawnMethod method = SpawnMethod::Fork;
  bool in_cgroup = false;  // CLONE_INTO_CGROUP did it
  bool slots_only = false;  // CLONE_FILES, then the child unshared only the slots (fd_slots.hpp)
};

// Starts the child that runs run_child_setup(ctx). ctx.in_cgroup is set by this
// function. Signals are blocked across the clone (see launch.cpp). With
// shared_memory_ok false the child always gets its own copy of the memory.
Result<Spawned> spawn_child(ChildContext& ctx, bool shared_memory_ok);

}  // namespace corral::launch
