// SPDX-License-Identifier: Apache-2.0
// The service the seccomp and capability tests run. It tries one thing, prints
// "WHAT: ok" or "WHAT: ERRNAME" on stdout (the service log), then waits to be
// stopped, so a test can see both the result and that the service kept running.
// Usage: corral-test-seccomp_probe socket | int80-socket | bind PORT | euid
//   socket        socket(AF_INET, SOCK_STREAM) through the native x86_64 ABI
//   int80-socket  the same through the i386 ABI (int $0x80, i386 number 359):
//                 a filter that forgot the compat architecture would let it by.
//                 A kernel without i386 emulation answers int $0x80 with SIGSEGV:
//                 then it prints "int80 socket: no i386 emulation".
//   x32-socket    the same through the x32 ABI (x86_64 number 41 | 0x40000000)
//   bind PORT     bind a TCP socket to 127.0.0.1:PORT (port < 1024: CAP_NET_BIND_SERVICE)
//   euid          print the effective uid (the no_new_privs test runs a setuid copy)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

void report(const char* what, long rc_or_minus_errno) {
  char line[128];
  int n = rc_or_minus_errno >= 0
              ? std::snprintf(line, sizeof line, "%s: ok\n", what)
              : std::snprintf(line, sizeof line, "%s: %s\n", what,
                              ::strerrorname_np(static_cast<int>(-rc_or_minus_errno)));
  if (::write(1, line, static_cast<std::size_t>(n)) < 0) ::_exit(3);
}

void no_i386_emulation(int) {
  static const char kLine[] = "int80 socket: no i386 emulation\n";
  if (::write(1, kLine, sizeof kLine - 1) < 0) ::_exit(3);
  for (;;) ::pause();
}

long int80_socket() {
  ::signal(SIGSEGV, no_i386_emulation);
#if defined(__x86_64__)
  long ret = 0;
  // i386: eax = 359 (socket), ebx = AF_INET, ecx = SOCK_STREAM, edx = 0.
  asm volatile("int $0x80" : "=a"(ret) : "a"(359L), "b"(AF_INET), "c"(SOCK_STREAM), "d"(0) : "memory");
  return ret;
#else
  return -ENOSYS;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::string_view mode = argv[1];
  if (mode == "socket") {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    report("socket", fd >= 0 ? fd : -errno);
  } else if (mode == "int80-socket") {
    report("int80 socket", int80_socket());
  } else if (mode == "x32-socket") {
    long rc = ::syscall(0x40000000L | SYS_socket, AF_INET, SOCK_STREAM, 0);
    report("x32 socket", rc >= 0 ? rc : -errno);
  } else if (mode == "bind" && argc >= 3) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 4;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    report("bind", rc == 0 ? 0 : -errno);
  } else if (mode == "euid") {
    char line[64];
    int n = std::snprintf(line, sizeof line, "euid: %u\n", static_cast<unsigned>(::geteuid()));
    if (::write(1, line, static_cast<std::size_t>(n)) < 0) return 3;
  } else {
    return 2;
  }
  for (;;) ::pause();
}
