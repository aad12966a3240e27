// SPDX-License-Identifier: Apache-2.0
// corrald speaking sd_notify to its own service manager (systemd with
// Type=notify): READY=1, RELOADING=1, STOPPING=1, STATUS= and WATCHDOG=1.
// Implemented by hand rather than with libsystemd: the protocol is one
// datagram of KEY=VALUE lines to the socket in $NOTIFY_SOCKET, corral already
// has the other end of it, and a hand-written sender keeps corrald free of a
// library dependency (and usable on systems without libsystemd).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "../event_loop.hpp"
#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon::readiness {

class SelfNotify {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID from the environment;
  // without NOTIFY_SOCKET every call is a no-op.
  explicit SelfNotify(EventLoop& loop);
  ~SelfNotify();

  bool enabled() const { return fd_.valid(); }
  // What was taken out of the environment, for a re-exec to put back.
  const std::string& address() const { return address_; }
  std::chrono::microseconds watchdog() const { return watchdog_; }
  Status send(std::string_view message);
  void ready(const std::string& status);
  void reloading();
  void stopping();
  void status(const std::string& text);  // sent only when it changed

 private:
  void feed_watchdog();

  EventLoop& loop_;
  UniqueFd fd_;
  std::string address_;
  std::string last_status_;
  bool ready_sent_ = false;
  std::chrono::microseconds watchdog_{0};
  TimerId watchdog_timer_ = 0;
};

}  // namespace corral::daemon::readiness
