// SPDX-License-Identifier: Apache-2.0
// launch(): prepare, fork, run the child setup, and learn through the error pipe
// whether exec happened. A failed child is reaped here, so the caller gets either a
// running process (pid + pidfd) or an Error, never a half-started child.
#include "corral/launch/launch.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <optional>

#include "child_setup.hpp"
#include "learn_handoff.hpp"
#include "prepared_launch.hpp"

namespace corral::launch {
namespace {

void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  reap(pid);
}

}  // namespace

Result<Launched> launch(const LaunchSpec& spec) {
  auto prepared = prepare_launch(spec);
  if (!prepared) return prepared.error();
  // Learning mode: the child's listener comes back through learn_handoff.
  std::optional<LearnPipes> learn;
  if (prepared->load_filter && spec.syscall_filter && spec.syscall_filter->mode == seccomp::FilterMode::Learn) {
    auto pipes = make_learn_pipes();
    if (!pipes) return pipes.error();
    learn = std::move(*pipes);
    prepared->learn_report_fd = learn->report_write.get();
    prepared->learn_sync_fd = learn->sync_read.get();
  }
  const PreparedLaunch& p = *prepared;

  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return errno_error("pipe2 for launch of " + p.exec_path);
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  if (auto st = move_above_stdio(write_end, "launch error pipe"); !st) return st.error();

  // Block every signal across fork: until the child has reset its dispositions, a
  // signal would run one of the launcher's handlers (e.g. a self-pipe write) in
  // the child. The child unblocks after resetting them.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = ::fork();
  if (pid == 0) run_child_setup(p, write_end.get());
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return Error::from_errno(fork_errno, "fork for " + p.exec_path);
  write_end.reset();  // else our own copy would keep the pipe from reaching EOF
  if (learn) {
    learn->report_write.reset();  // EOF on the report pipe then means the child is gone
    learn->sync_read.reset();
  }

  // Taken before anything else: while the child is unreaped its pid cannot be reused.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
  if (pidfd < 0) {
    int err = errno;
    kill_and_reap(pid);
    return Error::from_errno(err, "pidfd_open " + std::to_string(pid));
  }
  Launched launched{pid, UniqueFd(pidfd), UniqueFd()};
  if (learn) {
    auto listener = take_listener(launched.pidfd.get(), *learn, read_end.get());
    if (!listener) {
      kill_and_reap(pid);
      return listener.error();
    }
    launched.seccomp_listener = std::move(*listener);
  }

  auto failure = receive_child_failure(read_end.get());
  if (!failure) {
    kill_and_reap(pid);  // the protocol broke; the child's state is unknown
    return failure.error();
  }
  if (*failure) {
    reap(pid);  // it _exits right after writing the record
    return describe_failure(p, **failure);
  }
  return launched;
}

}  // namespace corral::launch
