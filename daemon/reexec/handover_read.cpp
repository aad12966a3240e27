// SPDX-License-Identifier: Apache-2.0
#include "handover_read.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "../daemon_log.hpp"

namespace corral::daemon {

std::optional<persist::Handover> take_handover(int fd) {
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto h = persist::decode_handover(text);
  if (!h) {
    // The listening socket among them would make the crash path's listen()
    // think another corrald is there; the pidfds and pipes are not needed
    // (the fd holder keeps the log pipes).
    log_line("daemon-reexec: cannot read the hand-over of the previous corrald (%s); taking the crash path: "
             "re-adoption from the state file",
             h.error().message.c_str());
    ::close_range(3, ~0U, 0);
    return std::nullopt;
  }
  // Close-on-exec again for what came through the exec: in one call for every
  // descriptor (the hand-over's are all there is: this runs before anything is
  // opened) rather than one per descriptor (4,000 with 1,000 services).
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)  // before Linux 5.11
    for (int f : persist::handover_fds(*h)) ::fcntl(f, F_SETFD, FD_CLOEXEC);
  return std::move(*h);
}

}  // namespace corral::daemon
