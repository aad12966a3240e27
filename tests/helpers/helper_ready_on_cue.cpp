// SPDX-License-Identifier: Apache-2.0
// The ready service of the ready-to-dependent benchmark (bench/ready_latency.sh).
// Waits for one byte on the FIFO argv[1] (the cue), takes CLOCK_MONOTONIC, writes
// it {sec, nsec} to the FIFO argv[2], sends READY=1 to $NOTIFY_SOCKET (one
// datagram, no libsystemd) and waits to be stopped.
// Usage: corral-test-ready_on_cue CUE_FIFO TIME_FIFO
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstddef>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const char* sock = std::getenv("NOTIFY_SOCKET");
  if (!sock || !*sock) return 2;
  std::string address = sock;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address.size() >= sizeof addr.sun_path) return 2;
  std::memcpy(addr.sun_path, address.data(), address.size());
  if (address[0] == '@') addr.sun_path[0] = '\0';
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int cue = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0 || cue < 0) return 1;
  char c;
  if (::read(cue, &c, 1) != 1) return 1;
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  std::int64_t rec[2] = {static_cast<std::int64_t>(ts.tv_sec), static_cast<std::int64_t>(ts.tv_nsec)};
  static const char kReady[] = "READY=1";
  if (::sendto(fd, kReady, sizeof kReady - 1, 0, reinterpret_cast<sockaddr*>(&addr), len) < 0) return 1;
  int out = ::open(argv[2], O_WRONLY | O_CLOEXEC);
  if (out < 0 || ::write(out, rec, sizeof rec) != static_cast<ssize_t>(sizeof rec)) return 1;
  ::close(out);
  for (;;) ::pause();
}
