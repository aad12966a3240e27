// SPDX-License-Identifier: Apache-2.0
// TCP probe sockets, used again and again. A probe's connection is dissolved
// with connect(AF_UNSPEC), which resets it (as the close of a socket with a
// zero linger does: no TIME_WAIT, the service is not left a half-closed peer)
// and leaves the socket unconnected, ready to connect again from a new
// ephemeral port. 1,000 services probed every second then cost corrald no
// socket() and no close() a probe: with loopback probes those were a quarter of
// corrald's CPU (issue 11).
#pragma once

#include <sys/socket.h>

#include <vector>

#include "corral/base/unique_fd.hpp"

namespace corral::daemon::readiness {

// The socket's pending error (SO_ERROR), which reading clears; 0 for none.
int take_socket_error(int fd);

class ProbeSockets {
 public:
  // A non-blocking TCP socket of `family` (AF_INET or AF_INET6) that resets its
  // connection when closed; invalid (errno set) if none can be made.
  UniqueFd take(int family);
  // A probe is done with `fd` (connected, connecting or failed): its connection
  // is reset and the socket kept for the next probe, or closed.
  void give_back(UniqueFd fd, int family);
  std::size_t idle() const { return v4_.size() + v6_.size(); }

 private:
  // Per family. The pool holds as many sockets as probes were in flight at once,
  // and that is every TCP probe when their timers fall due in one turn of the loop
  // (services started together, probed at the same interval). With a cap of 16,
  // 1,000 such probes made and closed 984 sockets a second: a quarter of corrald's
  // CPU in a profile. Each idle socket is one descriptor and no port.
  static constexpr std::size_t kMaxIdle = 4096;
  std::vector<UniqueFd>& idle_of(int family) { return family == AF_INET6 ? v6_ : v4_; }
  std::vector<UniqueFd> v4_, v6_;
};

}  // namespace corral::daemon::readiness
