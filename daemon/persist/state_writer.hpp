// SPDX-License-Identifier: Apache-2.0
// Keeps corrald's state file (lib/persist) up to date: follows the event bus
// and, after any change, writes the file once at the end of a short coalescing
// window (never on a periodic timer: an idle corrald writes nothing).
//
// A clean shutdown removes the file (a stopped corrald stopped everything;
// the next start follows the config). From the moment a shutdown begins the
// file is no longer touched, so a crash in the middle of a shutdown still
// leaves the operator's intents as they were before it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "../event_bus.hpp"
#include "../event_loop.hpp"
#include "../supervisor.hpp"
#include "corral/persist/state.hpp"

namespace corral::daemon {

class StateWriter {
 public:
  struct Hooks {
    std::function<bool(const std::string&)> suspended;       // fair share: is NAME suspended?
    std::function<std::string(const Service&)> cgroup_of;   // "" without cgroups
  };
  StateWriter(EventLoop& loop, Supervisor& sup, EventBus& events, std::string dir, Hooks hooks);
  ~StateWriter();

  // Writes now. Errors are logged, never fatal.
  void write_now();
  // Writes now only if the file is behind: a change waits in the coalescing
  // window, the last write failed, or nothing was written yet. (A write is two
  // fsyncs: 30-40 ms here with 1,000 services.)
  void flush();
  // Writes at the end of the coalescing window (start-up: after the autostarts,
  // so that a service not yet started is never recorded as stopped by hand).
  void write_soon() { schedule(); }
  // The end of a clean shutdown: no more writes, the file goes.
  void finish_clean();
  // What would be written (for tests and the re-exec hand-over).
  persist::DaemonState snapshot();
  std::uint64_t writes() const { return writes_; }
  // Start times already known (re-adoption checked them): not read again.
  void remember_start_times(const std::map<pid_t, std::uint64_t>& known) { start_times_.insert(known.begin(), known.end()); }

 private:
  void on_event(const DaemonEvent& e);
  void schedule();
  persist::ServiceRecord record_of(const Service& s);

  EventLoop& loop_;
  Supervisor& sup_;
  EventBus& events_;
  std::string dir_;
  Hooks hooks_;
  EventBus::SubscriptionId sub_ = 0;
  TimerId timer_ = 0;
  bool frozen_ = false;
  bool error_reported_ = false;
  std::uint64_t writes_ = 0;
  std::uint64_t boot_id_hash_ = 0;
  std::map<pid_t, std::uint64_t> start_times_;  // pid -> stat field 22, read once per process
};

}  // namespace corral::daemon
