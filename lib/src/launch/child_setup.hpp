// SPDX-License-Identifier: Apache-2.0
// The child half of launch(): runs between fork and exec.
#pragma once

#include "prepared_launch.hpp"

namespace corral::launch {

// Exit code of a child whose setup failed; the launcher reaps it and returns the
// step's Error, so this code is never what a caller sees.
inline constexpr int kChildSetupFailedExit = 127;

// Applies p in the fixed order of DESIGN.md and execs, or reports the failing step
// on error_fd and _exits. Async-signal-safe only: reads p, makes raw syscalls.
[[noreturn]] void run_child_setup(const PreparedLaunch& p, int error_fd) noexcept;

}  // namespace corral::launch
