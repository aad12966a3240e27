// SPDX-License-Identifier: Apache-2.0
// corral-test-listen PORT [--delay-ms N] [--http CODE] [--token ANY]
// Listens on 127.0.0.1:PORT (after N ms) and accepts forever; with --http,
// answers each connection with an HTTP/1.0 response of status CODE. --token is
// ignored: it marks the command line so a benchmark can find its own processes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int port = std::atoi(argv[1]);
  int delay_ms = 0, code = 0;
  for (int i = 2; i + 1 < argc; ++i) {
    std::string a = argv[i];
    if (a == "--delay-ms") delay_ms = std::atoi(argv[++i]);
    else if (a == "--http") code = std::atoi(argv[++i]);
    else if (a == "--token") ++i;
  }
  if (delay_ms > 0) ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0) {
    std::perror("corral-test-listen");
    return 1;
  }
  std::printf("listening on %d\n", port);
  std::fflush(stdout);
  for (;;) {
    int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    if (code > 0) {
      char buf[1024];
      (void)!::read(c, buf, sizeof buf);
      std::string r = "HTTP/1.0 " + std::to_string(code) + " Test\r\nContent-Length: 0\r\n\r\n";
      (void)!::write(c, r.data(), r.size());
    }
    ::close(c);
  }
}
