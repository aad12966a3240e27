// SPDX-License-Identifier: Apache-2.0
// The daemon's event bus: the supervisor (and later the fair-share layer, the
// deadlock monitor, the job queue) publish what happened; components subscribe
// (persistence, readiness, metrics, the `events` stream) instead of each getting
// a std::function slot on Supervisor. Synchronous, on the event loop's thread:
// a subscriber must not block, and may not publish from inside its handler
// (a nested publish is queued and delivered after the current one, in order).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>

namespace corral::daemon {

struct DaemonEvent {
  enum class Kind : std::uint8_t {
    State,     // a service changed state: from -> to (reason: why, e.g. the exit or the error)
    Exit,      // a service's main process ended (reason: "exited with code 1", ...)
    Removed,   // a service was forgotten (removed by reload, or a finished `run`)
    Reload,    // the config was reloaded (reason: the summary, or why it was refused)
    Daemon,    // corrald itself: "started", "stopping", ...
    Suspend,   // a service was suspended or resumed (to: "suspended" or "resumed")
    SeccompListener,  // a service in syscall_filter_mode "learn" started: fd is its listener
    Deadlock,  // the deadlock check found one the service is in (to: "found"), or it went away ("cleared")
    Job,       // a queued job changed state (service: "job-ID", from -> to, reason), daemon/jobs/
  };
  Kind kind = Kind::State;
  std::int64_t time_ms = 0;  // Unix time
  std::string service;       // "" for daemon-wide events
  std::string from, to;      // Kind::State: state names as `status` shows them
  std::string reason;
  pid_t pid = 0;
  int fd = -1;               // Kind::SeccompListener: open while the process lives (dup it to keep it)
};

std::string_view kind_name(DaemonEvent::Kind k);

class EventBus {
 public:
  using Handler = std::function<void(const DaemonEvent&)>;
  using SubscriptionId = std::uint64_t;

  SubscriptionId subscribe(Handler h);
  void unsubscribe(SubscriptionId id);
  void publish(DaemonEvent e);  // stamps time_ms when 0

 private:
  std::map<SubscriptionId, Handler> handlers_;
  SubscriptionId next_ = 1;
  std::deque<DaemonEvent> queue_;
  bool delivering_ = false;
};

}  // namespace corral::daemon
