// SPDX-License-Identifier: Apache-2.0
// The new corrald's first step after a daemon-reexec: read the hand-over the
// old one left in a memfd (--handover FD), or, if it cannot, close everything
// that was passed along and go the crash path (re-adoption from the state
// file the old corrald wrote just before the exec), never a second copy of
// any service.
#pragma once

#include <optional>

#include "corral/persist/handover.hpp"

namespace corral::daemon {

// Reads and closes fd. On success the named descriptors are close-on-exec
// again (the services the new corrald launches must not inherit them).
// nullopt (logged): every inherited descriptor above stderr has been closed.
std::optional<persist::Handover> take_handover(int fd);

}  // namespace corral::daemon
