// SPDX-License-Identifier: Apache-2.0
#include "fd_slots.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <utility>

#include "corral/launch/launch.hpp"
#include "clone_vm.hpp"
#include "prepared_launch.hpp"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

namespace corral::launch {
namespace {

int unshare_like_a_launch(void*) {
  return ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_UNSHARE) == 0 ? 0 : 1;
}

// Whether a child can do what a launch's child does first: close_range with
// CLOSE_RANGE_UNSHARE (Linux 5.9, and not hidden by a container's seccomp
// policy). Asked in a child made as a launch makes one, sharing this process's
// memory and fd table: nothing is copied, so the question is as cheap with
// 6,000 fds (a re-exec'd corrald) as with none. Never asked here: in a process
// with threads, the flag would split the calling thread's table from the others'.
bool unshare_supported() {
  // Slots serve only vfork-style children, which need the x86_64 clone path.
  if (!clone3_vm_supported()) return false;
  constexpr std::size_t kStack = 64 * 1024;
  std::unique_ptr<char[]> stack(new char[kStack]);
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);  // no handler may run on the child's stack
  const pid_t pid = ::clone(unshare_like_a_launch, stack.get() + kStack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
                            nullptr);
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

class ThreadSlots {
 public:
  ~ThreadSlots() { close_all(); }

  bool reserve() {
    if (reserved()) return true;
    if (!unshare_supported()) return false;
    placeholder_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (placeholder_ < 0) return false;
    // F_DUPFD takes the lowest free numbers: reserve early, while they are low.
    for (int& fd : slots_) {
      fd = ::fcntl(placeholder_, F_DUPFD_CLOEXEC, 3);
      if (fd < 0) {
        close_all();
        return false;
      }
    }
    unshare_from_ = std::max(placeholder_, *std::max_element(slots_.begin(), slots_.end())) + 1;
    return true;
  }

  bool reserved() const { return placeholder_ >= 0; }
  int slot(int i) const { return slots_[static_cast<std::size_t>(i)]; }
  int placeholder() const { return placeholder_; }
  int unshare_from() const { return unshare_from_; }
  bool is_slot(int fd) const { return std::find(slots_.begin(), slots_.end(), fd) != slots_.end(); }

 private:
  void close_all() {
    for (int& fd : slots_)
      if (fd >= 0) ::close(std::exchange(fd, -1));
    if (placeholder_ >= 0) ::close(std::exchange(placeholder_, -1));
  }

  std::array<int, ChildFds::kMaxSlots> slots_ = [] {
    std::array<int, ChildFds::kMaxSlots> a{};
    a.fill(-1);
    return a;
  }();
  int placeholder_ = -1;
  int unshare_from_ = -1;
};

thread_local ThreadSlots thread_slots;

}  // namespace

bool reserve_launch_fd_slots() { return thread_slots.reserve(); }
bool thread_has_fd_slots() { return thread_slots.reserved(); }

bool place_on_slots(const PreparedLaunch& p, int error_fd, ChildFds& out) {
  out = ChildFds{};
  if (!thread_slots.reserved()) return false;
  for (const auto& [source, target] : p.pass_fds)
    if (thread_slots.is_slot(target) || target == thread_slots.placeholder()) return false;

  // The distinct fds the child uses (error pipe, cgroup, stdio, passed fds).
  std::array<int, ChildFds::kMaxSlots> wanted{};
  std::size_t n = 0;
  auto want = [&](int fd) {
    const auto end = wanted.begin() + static_cast<std::ptrdiff_t>(n);
    if (fd < 0 || std::find(wanted.begin(), end, fd) != end) return true;
    if (n == wanted.size()) return false;
    wanted[n++] = fd;
    return true;
  };
  bool fits = want(error_fd) && want(p.cgroup_procs.get());
  for (int fd : p.stdio_source) fits = fits && want(fd);
  for (const auto& [source, target] : p.pass_fds) fits = fits && want(source);
  if (!fits) return false;

  for (std::size_t i = 0; i < n; ++i) {
    const int slot = thread_slots.slot(static_cast<int>(i));
    if (::dup3(wanted[i], slot, O_CLOEXEC) < 0) {
      release_slots(out);
      out = ChildFds{};
      return false;
    }
    out.moved[i] = {wanted[i], slot};
    out.count = static_cast<int>(i) + 1;
  }
  out.unshare_from = thread_slots.unshare_from();
  return true;
}

void release_slots(const ChildFds& used) {
  for (int i = 0; i < used.count; ++i)
    ::dup3(thread_slots.placeholder(), used.moved[static_cast<std::size_t>(i)].second, O_CLOEXEC);
}

}  // namespace corral::launch
