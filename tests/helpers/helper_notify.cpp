// SPDX-License-Identifier: Apache-2.0
// corral-test-notify [--socket ADDR] [--no-barrier] KEY=VALUE...
// A plain sd_notify writer (no libsystemd): one datagram with the assignments,
// one per line, to $NOTIFY_SOCKET (or ADDR; "@name" is abstract). Then, like
// systemd-notify, a BARRIER=1 datagram carrying a pipe's write end, and a wait
// (at most 5 s) until the receiver has closed it: by then the first datagram
// has been handled while this process still existed to be recognised.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <cstring>
#include <string>

namespace {

bool send_to(int fd, const sockaddr_un& addr, socklen_t len, const std::string& text, int pass_fd) {
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_un*>(&addr);
  msg.msg_namelen = len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (pass_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  return ::sendmsg(fd, &msg, MSG_NOSIGNAL) >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = std::getenv("NOTIFY_SOCKET") ? std::getenv("NOTIFY_SOCKET") : "";
  bool barrier = true;
  std::string text;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--socket" && i + 1 < argc) address = argv[++i];
    else if (a == "--no-barrier") barrier = false;
    else text += a + "\n";
  }
  if (address.empty() || address.size() >= sizeof(sockaddr_un::sun_path)) {
    std::fprintf(stderr, "corral-test-notify: no usable NOTIFY_SOCKET\n");
    return 2;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(), address.size());
  if (address[0] == '@') addr.sun_path[0] = '\0';
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || !send_to(fd, addr, len, text, -1)) {
    std::perror("corral-test-notify: send");
    return 1;
  }
  if (barrier) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0 || !send_to(fd, addr, len, "BARRIER=1\n", p[1])) return 1;
    ::close(p[1]);
    pollfd pfd{p[0], 0, 0};
    if (::poll(&pfd, 1, 5000) <= 0) {
      std::fprintf(stderr, "corral-test-notify: the receiver did not close the barrier within 5 s\n");
      return 1;
    }
  }
  return 0;
}
