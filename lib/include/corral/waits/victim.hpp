// SPDX-License-Identifier: Apache-2.0
// Recovery: choosing the process to abort from a deadlock, by the textbook's criteria in
// order -- least CPU used, fewest resources held, lowest priority, youngest.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "corral/waits/snapshot.hpp"

namespace corral::waits {

struct VictimChoice {
  pid_t pid = 0;
  std::string reason;  // one line per candidate and the rule that decided
};

// Candidates are the deadlock's processes for which `may_signal` is true.
std::optional<VictimChoice> choose_victim(const Snapshot& snap, const Deadlock& deadlock,
                                          const std::vector<pid_t>& may_signal);

}  // namespace corral::waits
