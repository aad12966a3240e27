// SPDX-License-Identifier: Apache-2.0
// The queue's clock: CLOCK_MONOTONIC in nanoseconds, the AdmissionQueue's Ticks in
// corrald. It is the steady clock the event loop's timers use, and it keeps counting
// across a restart of corrald (not across a reboot).
#pragma once

#include <chrono>
#include <cstdint>

namespace corral::daemon {

inline std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace corral::daemon
