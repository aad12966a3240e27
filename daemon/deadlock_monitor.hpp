// SPDX-License-Identifier: Apache-2.0
// corrald's periodic deadlock check ([daemon] deadlock_check, deadlock_action): a timer
// on the event loop (none when the check is off) scans the supervised services'
// processes with lib/waits, logs each deadlock once (again only if it goes away and
// comes back), remembers which services are in one for `status`, and with
// deadlock_action = "restart-victim" restarts the service of the victim the textbook
// criteria pick (the same choice as `corralctl waits --resolve`). Each deadlock
// found, and each one that goes away, is published on the event bus once per
// service in it (kind Deadlock, to "found" or "cleared").
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "corral/config/config.hpp"
#include "event_bus.hpp"
#include "event_loop.hpp"
#include "supervisor.hpp"

namespace corral::daemon {

class DeadlockMonitor {
 public:
  DeadlockMonitor(EventLoop& loop, Supervisor& sup, EventBus& events) : loop_(loop), sup_(sup), events_(events) {}
  ~DeadlockMonitor();
  DeadlockMonitor(const DeadlockMonitor&) = delete;
  DeadlockMonitor& operator=(const DeadlockMonitor&) = delete;

  // From [daemon]; a nullopt period turns the check off (and forgets what it saw).
  // Unchanged settings leave the running timer alone (a reload does not reset it).
  void configure(std::optional<config::Duration> period, config::DeadlockAction action);
  bool deadlocked(const std::string& service) const { return in_deadlock_.count(service) != 0; }
  std::size_t current_deadlocks() const { return reported_.size(); }  // seen by the last check (metrics)
  // One scan now (the timer calls it).
  void check();

 private:
  void arm();
  void publish(const std::set<std::string>& services, const char* what, const std::string& detail);
  void forget_all();  // nothing to check any more: what was reported is cleared

  EventLoop& loop_;
  Supervisor& sup_;
  EventBus& events_;
  std::optional<config::Duration> period_;
  config::DeadlockAction action_ = config::DeadlockAction::Log;
  TimerId timer_ = 0;
  // Keys (pids + resources) of the deadlocks logged and still there, with their services.
  std::map<std::string, std::set<std::string>> reported_;
  std::set<std::string> in_deadlock_;  // services with a process in a current deadlock
  bool scan_error_reported_ = false;
};

}  // namespace corral::daemon
