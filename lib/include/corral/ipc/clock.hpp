// SPDX-License-Identifier: Apache-2.0
// Monotonic nanoseconds. CLOCK_MONOTONIC is system-wide, so a start time taken in
// the parent before fork is a valid origin for every child's timestamps.
#pragma once

#include <time.h>

#include <cstdint>

namespace corral::ipc {

inline std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace corral::ipc
