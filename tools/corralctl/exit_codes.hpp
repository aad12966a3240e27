// SPDX-License-Identifier: Apache-2.0
// corralctl's exit codes (DESIGN.md "Interfaces"): scripts rely on these.
#pragma once

namespace corral::ctl {
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the request failed (no such pid, refused, ...)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitUnreachable = 3;  // the daemon could not be reached
inline constexpr int kExitDeadlock = 4;     // `waits` found a deadlock
}  // namespace corral::ctl
