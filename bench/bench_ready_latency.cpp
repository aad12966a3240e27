// SPDX-License-Identifier: Apache-2.0
// Ready-to-dependent latency (issue 11): from a service's READY=1 datagram to
// the launch of the service that waits for it: corrald's fork of it, as the
// kernel's proc connector timestamps it (root), and, for information, the new
// program's main() (which adds the exec every launcher pays).
//
// corrald runs `db` (corral-test-ready_on_cue, notify = "systemd") and `web`
// (corral-test-stamp, requires = ["db"]). Per iteration the driver restarts db
// without blocking (web is stopped with it and waits), cues db through a FIFO;
// db takes CLOCK_MONOTONIC and sends READY=1; corrald marks db ready and
// forks web (the kernel stamps the fork), whose first act is to take
// CLOCK_MONOTONIC. Latency = fork time (and web's main() time) - db's time.
// Reference, in the same run: the driver's own fork+exec of
// corral-test-stamp, timed from before fork to its main() (the floor any
// launcher pays to main()). Goal: median under 1 ms to the launch (the fork).
//
// Usage: bench_ready_latency --ctl PATH --socket PATH --cue FIFO --ready FIFO
//                            --stamp FIFO --stamp-helper PATH --daemon-pid PID
//                            [--iterations N]
// Exit: 0 goal met, 1 missed, 2 the measurement failed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_daemon_stats.hpp"
#include "fork_watch.hpp"

namespace {

using corral::bench::mono_ns;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_ready_latency: %s\n", what.c_str());
  std::exit(2);
}

// Reads exactly n bytes from a FIFO within timeout_ms.
void read_exact(int fd, void* buf, std::size_t n, int timeout_ms, const char* what) {
  std::size_t got = 0;
  const std::int64_t deadline = mono_ns() + std::int64_t{timeout_ms} * 1000000;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>((deadline - mono_ns()) / 1000000);
    if (left <= 0 || ::poll(&p, 1, left) <= 0) die(std::string("no ") + what + " within " + std::to_string(timeout_ms) + " ms");
    ssize_t r = ::read(fd, static_cast<char*>(buf) + got, n - got);
    if (r > 0) got += static_cast<std::size_t>(r);
    else if (r < 0 && errno != EINTR && errno != EAGAIN) die(std::string("read ") + what);
  }
}

int run(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return st;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ctl, socket, cue, ready, stamp, helper;
  int iterations = 200;
  pid_t daemon = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--ctl") ctl = v;
    else if (k == "--socket") socket = v;
    else if (k == "--cue") cue = v;
    else if (k == "--ready") ready = v;
    else if (k == "--stamp") stamp = v;
    else if (k == "--stamp-helper") helper = v;
    else if (k == "--iterations") iterations = std::atoi(v.c_str());
    else if (k == "--daemon-pid") daemon = static_cast<pid_t>(std::atoi(v.c_str()));
    else die("unknown option " + k);
  }
  if (ctl.empty() || socket.empty() || cue.empty() || ready.empty() || stamp.empty() || helper.empty() || daemon <= 0)
    die("usage: --ctl --socket --cue --ready --stamp --stamp-helper --daemon-pid PID [--iterations N]");
  corral::bench::ForkWatch forks;
  if (!forks.ok()) die("the proc connector (netlink CN_IDX_PROC) needs root");
  // Our own ends stay open so the FIFOs never see EOF between iterations.
  int ready_fd = ::open(ready.c_str(), O_RDWR | O_CLOEXEC);
  int stamp_fd = ::open(stamp.c_str(), O_RDWR | O_CLOEXEC);
  std::string ref_fifo = stamp + ".ref";
  if (::mkfifo(ref_fifo.c_str(), 0600) != 0 && errno != EEXIST) die("mkfifo " + ref_fifo);
  int ref_fd = ::open(ref_fifo.c_str(), O_RDWR | O_CLOEXEC);
  if (ready_fd < 0 || stamp_fd < 0 || ref_fd < 0) die("open the FIFOs");

  // The first web instance (started with the daemon) has written its record already, or will.
  std::vector<double> daemon_us, fork_us, ref_us;
  corral::bench::print_loadavg("before");
  for (int i = 0; i < iterations; ++i) {
    if (run({ctl, "--socket", socket, "restart", "--no-block", "db"}) != 0) die("corralctl restart db failed");
    // Drain web records of earlier instances (the one stopped with db).
    for (;;) {
      pollfd p{stamp_fd, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) break;
      std::int64_t junk[4];
      read_exact(stamp_fd, junk, sizeof junk, 1000, "old web record");
    }
    int cfd = ::open(cue.c_str(), O_WRONLY | O_CLOEXEC);  // waits for db to open its end
    if (cfd < 0 || ::write(cfd, "x", 1) != 1) die("cue db");
    ::close(cfd);
    std::int64_t t_ready[2], rec[4];
    read_exact(ready_fd, t_ready, sizeof t_ready, 10000, "db ready time");
    read_exact(stamp_fd, rec, sizeof rec, 10000, "web start record");
    double lat = static_cast<double>((rec[1] - t_ready[0]) * 1000000000 + (rec[2] - t_ready[1])) / 1000.0;
    daemon_us.push_back(lat);
    const std::int64_t ready_ns = t_ready[0] * 1000000000 + t_ready[1];
    auto forked = forks.first_fork_of(daemon, ready_ns);
    if (!forked) die("no fork by corrald (pid " + std::to_string(daemon) + ") seen after READY=1");
    fork_us.push_back(static_cast<double>(*forked - ready_ns) / 1000.0);

    // Reference: fork + exec of the same program by this process.
    std::int64_t t0 = mono_ns();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(helper.c_str(), helper.c_str(), ref_fifo.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    read_exact(ref_fd, rec, sizeof rec, 10000, "reference start record");
    ref_us.push_back(static_cast<double>(rec[1] * 1000000000 + rec[2] - t0) / 1000.0);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  corral::bench::print_loadavg("after");
  double d50 = corral::bench::percentile(daemon_us, 50), r50 = corral::bench::percentile(ref_us, 50);
  double f50 = corral::bench::percentile(fork_us, 50);
  std::printf("%-34s %10s %10s %10s\n", "", "median us", "p90 us", "max us");
  std::printf("%-34s %10.1f %10.1f %10.1f\n", "READY=1 -> corrald forks web", f50,
              corral::bench::percentile(fork_us, 90), corral::bench::percentile(fork_us, 100));
  std::printf("%-34s %10.1f %10.1f %10.1f\n", "READY=1 -> web's main() (info)", d50,
              corral::bench::percentile(daemon_us, 90), corral::bench::percentile(daemon_us, 100));
  std::printf("%-34s %10.1f %10.1f %10.1f\n", "reference fork+exec -> main()", r50,
              corral::bench::percentile(ref_us, 90), corral::bench::percentile(ref_us, 100));
  std::printf("to main(): corrald's path costs %.1f us over the reference (median), ratio %.2f\n", d50 - r50,
              r50 > 0 ? d50 / r50 : 0.0);
  std::printf("goal: READY=1 to the launch (fork) under 1000 us, median: %s\n", corral::bench::verdict(f50 < 1000));
  ::unlink(ref_fifo.c_str());
  return f50 < 1000 ? 0 : 1;
}
