// SPDX-License-Identifier: Apache-2.0
// No lost log lines across a crash of corrald: every service's log pipe (both
// ends) is handed to the fd holder (holder.hpp) when it is made, and at start
// corrald takes the pipes back and reads on where the last corrald stopped; the
// pipe buffered what the services wrote meanwhile, and they never saw EPIPE.
// A clean shutdown tells the holder to quit.
#pragma once

#include <map>
#include <string>

#include "../event_bus.hpp"
#include "../supervisor.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon {

class LogPipeKeeper {
 public:
  LogPipeKeeper(Supervisor& sup, EventBus& events, std::string state_dir);
  ~LogPipeKeeper();

  enum class Pipes {
    FromHolder,  // after a crash: the holder's copies are the only ones
    HandedOver,  // after a re-exec: the services have theirs, the holder keeps copies
  };
  // Start-up, before any launch: connect to the holder left by an earlier
  // corrald (or start one). FromHolder: give each configured service its pipe
  // back; pipes kept for services no longer configured are dropped.
  // HandedOver: take nothing (2,000 descriptors with 1,000 services, each to be
  // closed again); the holder's copies are of the same pipes.
  void start(Pipes pipes = Pipes::FromHolder);
  // Clean shutdown: the holder quits, closing what it kept.
  void finish_clean();
  bool connected() const { return sock_.valid(); }

 private:
  void on_event(const DaemonEvent& e);
  void store(const Service& s);
  void lost(const std::string& why);

  Supervisor& sup_;
  EventBus& events_;
  std::string path_;
  UniqueFd sock_;
  EventBus::SubscriptionId sub_ = 0;
  std::map<std::string, int> stored_;  // service -> read-end fd number handed over
};

}  // namespace corral::daemon
