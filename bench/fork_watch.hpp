// SPDX-License-Identifier: Apache-2.0
// The kernel's own record of when a process forked: the proc connector
// (netlink, CN_IDX_PROC; root only) reports every fork with the parent's tgid,
// the child's pid and a CLOCK_MONOTONIC timestamp taken in the kernel. A
// benchmark uses it to time "the launch" of a process at the moment its
// launcher forks it, not when the new program reaches main() (which adds the
// exec that any launcher pays).
#pragma once

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>

namespace corral::bench {

class ForkWatch {
 public:
  ForkWatch() {
    fd_ = ::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd_ < 0) return;
    int big = 16 << 20;  // every fork on the machine arrives here: room for a busy one
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = CN_IDX_PROC;
    sa.nl_pid = static_cast<__u32>(::getpid());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      close_fd();
      return;
    }
    alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
    auto* nl = reinterpret_cast<nlmsghdr*>(buf);
    auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
    nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
    nl->nlmsg_type = NLMSG_DONE;
    nl->nlmsg_pid = static_cast<__u32>(::getpid());
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(proc_cn_mcast_op);
    auto op = PROC_CN_MCAST_LISTEN;
    std::memcpy(cn->data, &op, sizeof op);
    if (::send(fd_, buf, nl->nlmsg_len, 0) < 0) close_fd();
  }
  ~ForkWatch() { close_fd(); }
  ForkWatch(const ForkWatch&) = delete;
  ForkWatch& operator=(const ForkWatch&) = delete;

  bool ok() const { return fd_ >= 0; }

  // The kernel time (CLOCK_MONOTONIC ns) of the first fork by `parent` at or
  // after `since_ns` among the events queued now; the others are dropped.
  std::optional<std::int64_t> first_fork_of(pid_t parent, std::int64_t since_ns) {
    std::optional<std::int64_t> found;
    alignas(nlmsghdr) char buf[8192];
    for (;;) {
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got <= 0) break;
      int len = static_cast<int>(got);
      for (auto* nl = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nl, len); nl = NLMSG_NEXT(nl, len)) {
        auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
        auto* ev = reinterpret_cast<proc_event*>(cn->data);
        if (ev->what != proc_event::PROC_EVENT_FORK) continue;
        if (ev->event_data.fork.parent_tgid != parent) continue;
        if (ev->event_data.fork.child_pid != ev->event_data.fork.child_tgid) continue;  // a thread
        auto t = static_cast<std::int64_t>(ev->timestamp_ns);
        if (t >= since_ns && !found) found = t;
      }
    }
    return found;
  }

 private:
  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

}  // namespace corral::bench
