// SPDX-License-Identifier: Apache-2.0
// Learning mode's handoff of the seccomp listener from the child to the launcher.
// The listener seccomp() returns is close-on-exec and lives in the child, and
// after the filter is loaded every call the child makes that falls outside it
// waits for an answer from that listener; so the child cannot send it (sendmsg
// would wait on itself). Instead the child reports the fd number the listener
// will get (the lowest free one) before loading the filter and then waits; the
// launcher takes a copy with pidfd_getfd, lets the child go, and answers the
// child's own calls up to execve (CONTINUE, not recorded: they are corral's).
#pragma once

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::launch {

struct LearnPipes {
  UniqueFd report_read, report_write;  // child -> launcher: the listener's fd number
  UniqueFd sync_read, sync_write;      // launcher -> child: "I have it"
};

// Both pipes close-on-exec, the child's ends above stdio.
Result<LearnPipes> make_learn_pipes();

// After fork, in the launcher. Returns the listener, or an empty fd when the
// child failed before loading the filter (its record is then on the error pipe).
Result<UniqueFd> take_listener(int pidfd, LearnPipes& pipes, int error_read);

}  // namespace corral::launch
