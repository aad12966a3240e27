// SPDX-License-Identifier: Apache-2.0
// Which processes belong to which supervised service: a service's process is the
// leader of its own process group (corrald starts each in a new session), so its
// processes are the members of that group plus any descendant that moved to another
// group. Used to limit a deadlock scan to the services (corrald's periodic check and
// `corralctl waits --service`) and to map a deadlocked pid back to its service.
#pragma once

#include <sys/types.h>

#include <map>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::waits {

// One pass over /proc. Returns member pid -> the root it belongs to, for every live
// process that is a root, is in a root's process group (pgid == root) or descends
// from a root. Roots that no longer exist are left out; processes that vanish while
// being read are skipped.
Result<std::map<pid_t, pid_t>> processes_of(const std::vector<pid_t>& roots);

}  // namespace corral::waits
