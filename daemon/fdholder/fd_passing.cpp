// SPDX-License-Identifier: Apache-2.0
#include "fd_passing.hpp"

#include <sys/socket.h>

#include <cstring>

namespace corral::daemon::fdholder {

namespace {

// Room for kMaxFds descriptors in one SCM_RIGHTS message.
constexpr std::size_t kControlSpace = CMSG_SPACE(sizeof(int) * kMaxFds);

}  // namespace

Status send_message(int sock, const std::string& text, std::span<const int> fds) {
  if (text.size() > kMaxMessage) return Error::logic("fd holder message too long", EMSGSIZE);
  if (fds.size() > kMaxFds) return Error::logic("fd holder message carries too many descriptors", EMSGSIZE);
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[kControlSpace];
  if (!fds.empty()) {
    std::memset(control, 0, sizeof control);
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0) return {};
    if (errno != EINTR) return errno_error("fd holder: send");
  }
}

Result<Message> recv_message(int sock) {
  char buf[kMaxMessage];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[kControlSpace];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("fd holder: receive");
  Message m;
  m.fds_truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      m.fds.emplace_back(fd);
    }
  }
  if (n == 0 && m.fds.empty()) return Error::logic("fd holder: connection closed", 0);
  m.text.assign(buf, static_cast<std::size_t>(n));
  return m;
}

}  // namespace corral::daemon::fdholder
