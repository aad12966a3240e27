// SPDX-License-Identifier: Apache-2.0
// corralctl's exit codes (corralctl(1), EXIT STATUS): scripts rely on these.
#pragma once

#include <cstdio>
#include <string>

namespace corral::ctl {
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the request failed (no such pid, refused, ...)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitUnreachable = 3;  // the daemon could not be reached
inline constexpr int kExitDeadlock = 4;     // `waits` found a deadlock

// Prints "corralctl: msg" on stderr and returns code, for `return fail(...)`.
inline int fail(const std::string& msg, int code = kExitFailed) {
  std::fprintf(stderr, "corralctl: %s\n", msg.c_str());
  return code;
}
}  // namespace corral::ctl
