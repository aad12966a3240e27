// SPDX-License-Identifier: Apache-2.0
// What /proc says about each recorded main process, read for all of them before
// the adoption decides anything, on every core: a re-adoption of 1,000 services
// is about 5,000 system calls of reading /proc (pidfd_open, stat, cgroup), and
// they do not depend on each other.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "corral/base/unique_fd.hpp"
#include "corral/persist/state.hpp"
#include "corral/persist/state_file.hpp"

namespace corral::daemon {

struct RecordedProcess {
  // Taken first: when the checks below pass, the pidfd is the recorded process's
  // (a pid reused after the pidfd_open would show another start time).
  UniqueFd pidfd;
  int pidfd_errno = 0;  // why there is no pidfd (ESRCH: the process is gone)
  std::optional<persist::ProcessIdentity> identity;  // no pidfd, or a zombie: none
  // /proc/PID/cgroup, read only when asked and the start time matches the record.
  std::string cgroup;
};

// For each record with a pid (and not transient), keyed by service name.
std::map<std::string, RecordedProcess> probe_recorded(const std::map<std::string, persist::ServiceRecord>& records,
                                                      bool read_cgroups);

}  // namespace corral::daemon
