// SPDX-License-Identifier: Apache-2.0
// The kernel's floor under corrald's TCP probes (issue 11): this process does
// what 1,000 services with a 1 s tcp health probe make corrald do, and nothing
// else, then prints its own CPU as a percentage of one core. On loopback a
// probe's CPU is mostly the kernel's TCP handshake, both ends of it (the
// listener's SYN and RST processing runs in the connecting process's softirq),
// so this is the least any prober on this machine can spend.
//
// Two ways, each for WINDOW seconds at RATE probes a second in 10 ms batches:
//   fresh: socket, connect, TCP_INFO, close with a zero linger (a reset);
//   reuse: corrald's way, one socket connected, reset with connect(AF_UNSPEC)
//          (and its pending error read), connected again.
//
// Usage: bench_probe_floor PORT [RATE (default 1000)] [WINDOW_S (default 10)]
// The listener at 127.0.0.1:PORT is the caller's (bench/probe_cost.sh starts one).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

bool connected(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  // CLOSE_WAIT: connected, and the listener has already accepted and closed.
  return ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
         (info.tcpi_state == TCP_ESTABLISHED || info.tcpi_state == TCP_CLOSE_WAIT);
}

int new_socket() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  return fd;
}

// Runs `probe` RATE times a second for WINDOW seconds; returns CPU % of one core
// and counts the probes that did not connect.
template <typename Probe>
double run(int rate, int window_s, int& failed, Probe probe) {
  using Clock = std::chrono::steady_clock;
  const int per_batch = rate / 100;
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  auto next = t0;
  for (int batch = 0; batch < window_s * 100; ++batch) {
    for (int i = 0; i < per_batch; ++i) failed += probe() ? 0 : 1;
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return 100.0 * (cpu_seconds() - c0) / wall;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_probe_floor PORT [RATE] [WINDOW_S]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const int rate = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int window = argc > 3 ? std::atoi(argv[3]) : 10;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  // On a busy machine the handshake may finish after connect returns (in
  // ksoftirqd): wait for it as corrald's loop would.
  auto connect_to = [&](int fd) {
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0 || connected(fd)) return true;
    pollfd p{fd, POLLOUT, 0};
    return ::poll(&p, 1, 1000) == 1 && connected(fd);
  };

  int failed_fresh = 0, failed_reuse = 0;
  double fresh = run(rate, window, failed_fresh, [&] {
    int fd = new_socket();
    bool ok = connect_to(fd);
    ::close(fd);
    return ok;
  });
  int kept = new_socket();
  double reuse = run(rate, window, failed_reuse, [&] {
    bool ok = connect_to(kept);
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    ::connect(kept, &unspec, sizeof unspec);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(kept, SOL_SOCKET, SO_ERROR, &err, &len);
    return ok;
  });
  ::close(kept);
  std::printf("floor, fresh socket per probe: %.3f %% of one core (%d of %d probes failed)\n", fresh, failed_fresh,
              rate * window);
  std::printf("floor, one socket reused:      %.3f %% of one core (%d of %d probes failed)\n", reuse, failed_reuse,
              rate * window);
  return failed_fresh + failed_reuse == 0 ? 0 : 1;
}
