// SPDX-License-Identifier: Apache-2.0
// The textbook's seven-state model, derived honestly from what Linux shows.
#pragma once

#include <optional>
#include <string_view>

namespace corral {

enum class ProcState {
  New,             // admitted by the supervisor, not yet started (supervisor records only)
  Ready,           // runnable, waiting for a CPU
  Running,         // on a CPU
  Blocked,         // waiting for an event (kernel S or D)
  ReadySuspend,    // suspended (SIGSTOP / frozen cgroup) while runnable
  BlockedSuspend,  // suspended while waiting for an event
  Exit,            // zombie: terminated, record kept until reaped
};

std::string_view to_string(ProcState s);               // "Ready/Suspend" etc.
std::optional<ProcState> parse_proc_state(std::string_view name);  // accepts the names above, case-insensitive
bool is_suspended(ProcState s);

}  // namespace corral
