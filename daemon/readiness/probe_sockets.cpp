// SPDX-License-Identifier: Apache-2.0
#include "probe_sockets.hpp"

#include <netinet/in.h>

#include <cerrno>

namespace corral::daemon::readiness {

int take_socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

UniqueFd ProbeSockets::take(int family) {
  auto& idle = idle_of(family);
  if (!idle.empty()) {
    UniqueFd fd = std::move(idle.back());
    idle.pop_back();
    return fd;
  }
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  // Closed with a reset, as kubelet closes its TCP probes: a FIN close leaves
  // the socket in TIME_WAIT for 60 s, and 1,000 services probed every second
  // would hold 60,000 of them, near the ephemeral port range. A reset costs the
  // service nothing: the probe sent no data.
  linger lg{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  return fd;
}

void ProbeSockets::give_back(UniqueFd fd, int family) {
  auto& idle = idle_of(family);
  if (!fd || idle.size() >= kMaxIdle) return;  // closed here, with the reset
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  if (::connect(fd.get(), &unspec, sizeof unspec) != 0) return;
  // The reset left ECONNRESET pending on the socket; the next probe must not
  // read it as its own connect's error.
  (void)take_socket_error(fd.get());
  idle.push_back(std::move(fd));
}

}  // namespace corral::daemon::readiness
