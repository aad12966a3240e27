// SPDX-License-Identifier: Apache-2.0
// The restarted program of the crash-to-restart benchmark (bench/daemon_restart.sh).
// First thing in main it takes CLOCK_MONOTONIC, then writes one fixed-size record
// {pid, sec, nsec, run_delay_ns} to the FIFO named by argv[1] (one write below
// PIPE_BUF, so it is atomic), and waits to be killed. run_delay_ns is the time this
// process has spent waiting for a CPU since its fork (/proc/self/schedstat, 2nd
// field; -1 if unreadable): it tells scheduling delay apart from work. The bench compares that time with the moment it
// sent SIGKILL to the previous instance.
// Usage: corral-test-stamp FIFO
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

int main(int argc, char** argv) {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  if (argc < 2) return 2;
  std::int64_t rec[4] = {static_cast<std::int64_t>(::getpid()), static_cast<std::int64_t>(ts.tv_sec),
                         static_cast<std::int64_t>(ts.tv_nsec), -1};
  if (int sfd = ::open("/proc/self/schedstat", O_RDONLY | O_CLOEXEC); sfd >= 0) {
    char buf[128];
    ssize_t n = ::read(sfd, buf, sizeof buf - 1);
    ::close(sfd);
    if (n > 0) {
      buf[n] = 0;
      char* end = nullptr;
      std::strtoll(buf, &end, 10);  // run time; the wait time follows
      rec[3] = std::strtoll(end, nullptr, 10);
    }
  }
  int fd = ::open(argv[1], O_WRONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  if (::write(fd, rec, sizeof rec) != static_cast<ssize_t>(sizeof rec)) return 1;
  ::close(fd);
  for (;;) ::pause();
}
