// SPDX-License-Identifier: Apache-2.0
// Launching from a process that holds thousands of descriptors, without paying
// for them at every launch.
//
// corrald holds a pidfd, a log pipe and cgroup fds per service: 6,000 fds for
// 1,000 services. A child made without CLONE_FILES copies that whole table at
// clone (a reference taken on every open file) and closes all of it again at
// execve (close-on-exec: a flush and a release per file). That is O(table) per
// launch and O(n^2) for a cold start of n services: with 1,000 services it was
// a fifth of corrald's time.
//
// Instead the vfork-style child shares the launcher's table (CLONE_FILES) and
// its first system call is close_range(first, ~0U, CLOSE_RANGE_UNSHARE): the
// kernel gives it a table of its own holding only the fds below `first`, and
// copies nothing above. So the few fds the child needs are put below `first`
// before the clone: the launching thread keeps a handful of low fd numbers
// reserved (each holds /dev/null while idle), dup3()s the child's fds onto them,
// and puts /dev/null back once the clone returns. The launcher is suspended
// while the child shares its table (CLONE_VFORK), and the child changes nothing
// in it before the unshare, so the launcher's fds are never touched.
#pragma once

#include <array>
#include <utility>

namespace corral::launch {

struct PreparedLaunch;

// The child's view of one launch's slots: which of the launcher's fds it finds
// under which slot number, and where its unshared table ends.
struct ChildFds {
  static constexpr int kMaxSlots = 8;
  int unshare_from = -1;  // -1: the child has its own table already (a copy)
  int count = 0;
  std::array<std::pair<int, int>, kMaxSlots> moved{};  // {launcher's fd, slot}

  // The number the child uses for the launcher's fd. Async-signal-safe.
  int operator()(int launcher_fd) const noexcept {
    for (int i = 0; i < count; ++i)
      if (moved[static_cast<std::size_t>(i)].first == launcher_fd) return moved[static_cast<std::size_t>(i)].second;
    return launcher_fd;
  }
};

// Slots are reserved per thread by launch.hpp's reserve_launch_fd_slots().
bool thread_has_fd_slots();

// Puts p's fds and error_fd on this thread's slots for one vfork-style launch.
// false (and nothing changed) when the thread has no slots, the launch needs
// more fds than there are slots, or a pass_fds target would land on a slot; the
// child then gets a copy of the table, as without slots.
bool place_on_slots(const PreparedLaunch& p, int error_fd, ChildFds& out);

// Puts /dev/null back on the slots used: the launcher must not keep the child's
// pipe ends open (the error pipe reaches EOF at exec only if no copy remains).
void release_slots(const ChildFds& used);

}  // namespace corral::launch
