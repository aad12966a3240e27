// SPDX-License-Identifier: Apache-2.0
#include "notify_socket.hpp"

#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <vector>

#include "corral/readiness/notify_message.hpp"

namespace corral::daemon::readiness {

Result<std::unique_ptr<NotifySocket>> NotifySocket::open(EventLoop& loop, Handler handler) {
  static std::atomic<unsigned> counter{0};
  std::unique_ptr<NotifySocket> s(new NotifySocket(loop, std::move(handler)));
  s->fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s->fd_) return errno_error("notify socket");
  int one = 1;
  if (::setsockopt(s->fd_.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0)
    return errno_error("notify socket: SO_PASSCRED");
  // Abstract: no file to clean up, no path length or directory permissions to
  // worry about; who may send is decided by the credentials, not the path.
  std::string name = "corral-notify/" + std::to_string(::getpid()) + "/" + std::to_string(counter++);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(s->fd_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) return errno_error("notify socket: bind @" + name);
  s->address_ = "@" + name;
  NotifySocket* raw = s.get();
  if (Status st = loop.add(s->fd_.get(), EPOLLIN, [raw](std::uint32_t) { raw->drain(); }); !st) return st.error();
  return s;
}

NotifySocket::~NotifySocket() {
  if (fd_) loop_.remove(fd_.get());
}

void NotifySocket::drain() {
  // One byte more than a message may be, to tell an oversized one (MSG_TRUNC).
  char buf[corral::readiness::kMaxNotifyDatagram + 1];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 32)];
  // Bounded per wakeup so a flood from one service cannot starve the loop.
  for (int i = 0; i < 64; ++i) {
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) return;  // EAGAIN: drained
    ucred cred{};
    std::vector<int> fds;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(ucred))) {
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
      } else if (c->cmsg_type == SCM_RIGHTS) {
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t k = 0; k < count; ++k) {
          int fd;
          std::memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof fd);
          fds.push_back(fd);
        }
      }
    }
    bool truncated = static_cast<std::size_t>(n) > sizeof buf - 1 || (msg.msg_flags & MSG_CTRUNC) != 0;
    std::size_t len = static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf;
    handler_(cred, std::string_view(buf, len), truncated);
    for (int fd : fds) ::close(fd);  // BARRIER=1: closing releases the waiting sender
  }
}

}  // namespace corral::daemon::readiness
