// The restarted program of the crash-to-restart benchmark (bench/daemon_restart.sh).
// First thing in main it takes CLOCK_MONOTONIC, then writes one fixed-size record
// {pid, sec, nsec} to the FIFO named by argv[1] (one write below PIPE_BUF, so it is
// atomic), and waits to be killed. The bench compares that time with the moment it
// sent SIGKILL to the previous instance.
// Usage: corral-test-stamp FIFO
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

int main(int argc, char** argv) {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  if (argc < 2) return 2;
  const std::int64_t rec[3] = {static_cast<std::int64_t>(::getpid()), static_cast<std::int64_t>(ts.tv_sec),
                               static_cast<std::int64_t>(ts.tv_nsec)};
  int fd = ::open(argv[1], O_WRONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  if (::write(fd, rec, sizeof rec) != static_cast<ssize_t>(sizeof rec)) return 1;
  ::close(fd);
  for (;;) ::pause();
}
