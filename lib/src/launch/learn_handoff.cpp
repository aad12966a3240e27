// SPDX-License-Identifier: Apache-2.0
#include "learn_handoff.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

#include "corral/seccomp/notify.hpp"
#include "prepared_launch.hpp"

namespace corral::launch {
namespace {

// How long the child may take from fork to loading its filter, and then to execve.
constexpr auto kHandoffDeadline = std::chrono::seconds(10);

}  // namespace

Result<LearnPipes> make_learn_pipes() {
  LearnPipes p;
  int a[2];
  int b[2];
  if (::pipe2(a, O_CLOEXEC) != 0) return errno_error("pipe2 for the seccomp listener handoff");
  p.report_read.reset(a[0]);
  p.report_write.reset(a[1]);
  if (::pipe2(b, O_CLOEXEC) != 0) return errno_error("pipe2 for the seccomp listener handoff");
  p.sync_read.reset(b[0]);
  p.sync_write.reset(b[1]);
  if (auto st = move_above_stdio(p.report_write, "seccomp handoff pipe"); !st) return st.error();
  if (auto st = move_above_stdio(p.sync_read, "seccomp handoff pipe"); !st) return st.error();
  return p;
}

Result<UniqueFd> take_listener(int pidfd, LearnPipes& pipes, int error_read) {
  auto deadline = std::chrono::steady_clock::now() + kHandoffDeadline;
  std::int32_t number = -1;
  std::size_t got = 0;
  while (got < sizeof number) {
    ssize_t n = ::read(pipes.report_read.get(), reinterpret_cast<char*>(&number) + got, sizeof number - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read the seccomp listener number");
    if (n == 0) return UniqueFd{};  // the child failed (or died) before the filter
    got += static_cast<std::size_t>(n);
  }
  int fd = -1;
  for (;;) {
    fd = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, number, 0U));
    if (fd >= 0) break;
    // EBADF: the child has not made the call yet.
    if (errno != EBADF) return errno_error("pidfd_getfd of the seccomp listener");
    pollfd pf{error_read, POLLIN, 0};
    if (::poll(&pf, 1, 1) > 0) return UniqueFd{};  // the child failed: its record is on the error pipe
    if (std::chrono::steady_clock::now() > deadline)
      return Error::logic("the child did not load its seccomp filter in time", ETIMEDOUT);
  }
  UniqueFd listener(fd);
  if (auto st = move_above_stdio(listener, "seccomp listener"); !st) return st.error();
  char go = 'g';
  if (::write(pipes.sync_write.get(), &go, 1) != 1) return errno_error("release the child after the handoff");
  pipes.sync_write.reset();
  // Answer the child's own calls until the error pipe says it exec'd (EOF) or failed.
  for (;;) {
    pollfd pf[2] = {{error_read, POLLIN, 0}, {listener.get(), POLLIN, 0}};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return Error::logic("the child did not reach execve in time after loading its filter", ETIMEDOUT);
    int r = ::poll(pf, 2, left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_error("poll during the seccomp handoff");
    if (pf[0].revents != 0) break;
    if ((pf[1].revents & POLLIN) == 0) continue;
    // execve closes the error pipe before the program makes its first call, so a
    // notification seen while the pipe is still open is the child's own: answer
    // it. Once it has closed, leave the rest to corrald, which records them.
    pollfd exec_done{error_read, POLLIN, 0};
    if (::poll(&exec_done, 1, 0) != 0) break;
    (void)seccomp::receive_and_continue(listener.get());
  }
  return listener;
}

}  // namespace corral::launch
