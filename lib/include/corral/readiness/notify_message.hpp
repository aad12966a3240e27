// SPDX-License-Identifier: Apache-2.0
// The sd_notify protocol's datagrams, parsed: newline-separated KEY=VALUE
// assignments ("READY=1\nSTATUS=listening on :80\n"). Pure: no sockets here.
// Unknown keys are ignored (the protocol grows), values are bounded, and a bad
// value of a known key drops that key only, as systemd does.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::readiness {

// systemd reads at most this much per datagram (NOTIFY_BUFFER_MAX, PIPE_BUF).
inline constexpr std::size_t kMaxNotifyDatagram = 4096;
// STATUS= is cut to this many bytes (it is shown in `status`, one line).
inline constexpr std::size_t kMaxStatusText = 512;

struct NotifyMessage {
  bool ready = false;        // READY=1
  bool reloading = false;    // RELOADING=1
  bool stopping = false;     // STOPPING=1
  bool watchdog = false;     // WATCHDOG=1: the keep-alive ping
  bool watchdog_trigger = false;  // WATCHDOG=trigger: "consider me failed now"
  bool barrier = false;      // BARRIER=1: the sender waits until we close the fd it passed
  std::optional<std::string> status;            // STATUS=
  std::optional<pid_t> main_pid;                // MAINPID=
  std::optional<std::uint64_t> watchdog_usec;   // WATCHDOG_USEC=: a new watchdog period
  std::optional<std::uint64_t> extend_timeout_usec;  // EXTEND_TIMEOUT_USEC=
  std::optional<int> errno_value;               // ERRNO=
  std::vector<std::string> ignored;             // keys we skipped (unknown or bad value), for the log

  bool empty() const {
    return !ready && !reloading && !stopping && !watchdog && !watchdog_trigger && !barrier && !status &&
           !main_pid && !watchdog_usec && !extend_timeout_usec && !errno_value;
  }
};

// Fails only for a datagram that is not a message at all: longer than
// kMaxNotifyDatagram, or holding a NUL byte (systemd refuses those too).
Result<NotifyMessage> parse_notify_message(std::string_view datagram);

}  // namespace corral::readiness
