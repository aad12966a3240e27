// SPDX-License-Identifier: Apache-2.0
// Child setup between fork and exec: one function, a fixed order, one Step per
// syscall so the parent can name what failed. Only async-signal-safe calls here:
// the launcher may be multi-threaded, and after fork another thread's malloc or
// stdio lock may be held forever in this copy of the address space.
#include "child_setup.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>

#include "corral/launch/capabilities.hpp"
#include "corral/sched/apply.hpp"
#include "corral/seccomp/bpf_program.hpp"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace corral::launch {
namespace {

[[noreturn]] void fail(int error_fd, Step step, int err, int detail = 0) noexcept {
  send_child_failure(error_fd, ChildFailure{step, err, detail});
  ::_exit(kChildSetupFailedExit);
}

// Every signal back to SIG_DFL (ignored ones too: SIG_IGN survives exec, and a
// service must not start with SIGPIPE ignored because the daemon ignores it),
// then an empty mask (the launcher blocked everything around fork).
int reset_signals() noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int s = 1; s < NSIG; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    // glibc refuses its two internal real-time signals with EINVAL; skip them.
    if (::sigaction(s, &dfl, nullptr) != 0 && errno != EINVAL) return errno;
  }
  sigset_t empty;
  sigemptyset(&empty);
  if (::sigprocmask(SIG_SETMASK, &empty, nullptr) != 0) return errno;
  return 0;
}

// Inherited fds >= 3 close at exec. close_range(CLOSE_RANGE_CLOEXEC) needs Linux
// 5.11; before that, fcntl over a bounded range (reading /proc/self/fd would need
// opendir, which allocates).
int mark_inherited_cloexec(int scan_limit) noexcept {
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) return errno;
  for (int fd = 3; fd < scan_limit; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC) != 0) continue;
    if (::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) return errno;
  }
  return 0;
}

void arm_parent_death_signal(const PreparedLaunch& p, int error_fd) noexcept {
  if (p.parent_death_signal == 0) return;
  if (::prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(p.parent_death_signal), 0UL, 0UL, 0UL) != 0)
    fail(error_fd, Step::ParentDeathSignal, errno);
  // The launcher may have died before prctl; then no signal will come.
  if (::getppid() != p.parent_pid) fail(error_fd, Step::ParentGone, ESRCH);
}

}  // namespace

void run_child_setup(const ChildContext& c) noexcept {
  const PreparedLaunch& p = *c.prepared;
  const int error_fd = c.fds(c.error_fd);
  // First, before any change to a table it may share with the launcher: a table
  // of its own with only the fds below the slots (fd_slots.hpp). Everything
  // after this finds the launcher's fds through c.fds.
  if (c.fds.unshare_from >= 0 &&
      ::syscall(SYS_close_range, static_cast<unsigned>(c.fds.unshare_from), ~0U, CLOSE_RANGE_UNSHARE) != 0)
    fail(error_fd, Step::CloseOnExec, errno);

  if (p.new_session && ::setsid() < 0) fail(error_fd, Step::NewSession, errno);

  if (int err = reset_signals(); err != 0) fail(error_fd, Step::ResetSignals, err);

  arm_parent_death_signal(p, error_fd);

  // Before any user code runs, so everything the program does is accounted there.
  // "0" moves the writer itself. A child cloned into its cgroup is there already.
  if (p.cgroup_procs.valid() && !c.in_cgroup && ::write(c.fds(p.cgroup_procs.get()), "0", 1) != 1)
    fail(error_fd, Step::JoinCgroup, errno);

  for (std::size_t i = 0; i < p.rlimits.size(); ++i) {
    rlimit lim{p.rlimits[i].soft, p.rlimits[i].hard};
    if (::setrlimit(p.rlimits[i].resource, &lim) != 0)
      fail(error_fd, Step::Rlimit, errno, static_cast<int>(i));
  }

  if (p.sched) {
    // Policy first: setting it resets nice, so nice comes after.
    if (int err = sched::set_policy_raw(0, *p.sched); err != 0) fail(error_fd, Step::SchedPolicy, err);
    if (int err = sched::set_nice_raw(0, *p.sched); err != 0) fail(error_fd, Step::Nice, err);
  }

  if (p.set_affinity && ::sched_setaffinity(0, sizeof(p.affinity), &p.affinity) != 0)
    fail(error_fd, Step::Affinity, errno);

  if (!p.cwd.empty() && ::chdir(p.cwd.c_str()) != 0) fail(error_fd, Step::Chdir, errno);

  if (p.umask) ::umask(*p.umask);

  for (int fd = 0; fd < 3; ++fd) {
    const int launcher_source = p.stdio_source[static_cast<std::size_t>(fd)];
    if (launcher_source >= 0) {
      const int source = c.fds(launcher_source);
      // source >= 3 always (prepare_launch), so dup2 makes a fresh fd without FD_CLOEXEC.
      if (::dup2(source, fd) < 0) fail(error_fd, Step::Stdio, errno, fd);
    } else {
      // Inherited: make sure it survives exec even if the launcher marked it CLOEXEC.
      int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC) != 0 && ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0)
        fail(error_fd, Step::Stdio, errno, fd);
    }
  }

  if (int err = mark_inherited_cloexec(p.fd_scan_limit); err != 0) fail(error_fd, Step::CloseOnExec, err);

  // Passed fds after the marking, so they survive exec (dup2 clears FD_CLOEXEC;
  // a source already at its number only needs the flag cleared).
  for (const auto& [launcher_source, target] : p.pass_fds) {
    const int source = c.fds(launcher_source);
    if (source == target ? ::fcntl(target, F_SETFD, 0) != 0 : ::dup2(source, target) < 0)
      fail(error_fd, Step::Stdio, errno, target);
  }

  // The bounding set needs CAP_SETPCAP, so before the uid changes; KEEPCAPS keeps
  // the permitted set across setuid, to be cut down to the listed caps after it.
  if (p.capability_bounding) {
    if (int err = drop_bounding_set(*p.capability_bounding, p.last_capability); err != 0)
      fail(error_fd, Step::CapBounding, err);
  }
  if (p.capabilities) {
    if (int err = keep_capabilities_across_setuid(); err != 0) fail(error_fd, Step::KeepCaps, err);
  }

  // Groups, then gid, then uid: after setuid we would no longer be allowed the others.
  // Raw system calls, not glibc's wrappers: in a process that has had threads,
  // glibc's setresuid signals every other thread to change too (setxid), and this
  // child (cloned without glibc's fork, maybe sharing the launcher's memory) would
  // mark and wait for the launcher's threads.
  if (p.set_groups && ::syscall(SYS_setgroups, p.groups.size(), p.groups.data()) != 0)
    fail(error_fd, Step::SetGroups, errno);
  if (p.gid && ::syscall(SYS_setresgid, *p.gid, *p.gid, *p.gid) != 0) fail(error_fd, Step::SetGid, errno);
  if (p.uid && ::syscall(SYS_setresuid, *p.uid, *p.uid, *p.uid) != 0) fail(error_fd, Step::SetUid, errno);
  // The kernel clears the parent-death signal when the credentials change
  // (commit_creds), so a service run as another user needs it set again.
  if (p.uid || p.gid) arm_parent_death_signal(p, error_fd);

  if (p.capabilities) {
    if (int err = set_capabilities(*p.capabilities); err != 0) fail(error_fd, Step::SetCaps, err);
    int failed_cap = 0;
    if (int err = raise_ambient(*p.capabilities, p.last_capability, failed_cap); err != 0)
      fail(error_fd, Step::AmbientCaps, err, failed_cap);
  }

  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0)
    fail(error_fd, Step::NoNewPrivs, errno);

  // Last: from here on every call the child makes is filtered, execve included.
  if (p.load_filter) {
    int listener_fd = -1;
    if (c.learn_report_fd >= 0) {
      // The listener seccomp() returns takes the lowest free fd: tell the launcher
      // which one, so it can take a copy (pidfd_getfd) before execve closes it.
      listener_fd = ::fcntl(c.learn_report_fd, F_DUPFD, 0);
      if (listener_fd < 0) fail(error_fd, Step::SeccompFilter, errno);
      ::close(listener_fd);
      std::int32_t n = listener_fd;
      if (::write(c.learn_report_fd, &n, sizeof n) != static_cast<ssize_t>(sizeof n))
        fail(error_fd, Step::SeccompFilter, errno);
    }
    int rc = seccomp::load_filter(p.filter_program, p.filter_flags);
    if (rc < 0) fail(error_fd, Step::SeccompFilter, -rc);
    if (c.learn_report_fd >= 0) {
      if (rc != listener_fd) fail(error_fd, Step::SeccompFilter, EBADFD);
      // Wait until the launcher holds the listener (a read outside the filter is
      // itself a notification, which the launcher answers once it has it).
      char go = 0;
      while (::read(c.learn_sync_fd, &go, 1) < 0 && errno == EINTR) {
      }
    }
  }

  ::execve(p.exec_path.c_str(), p.argv.data(), p.envp.data());
  fail(error_fd, Step::Exec, errno);
}

}  // namespace corral::launch
