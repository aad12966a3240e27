// SPDX-License-Identifier: Apache-2.0
// Re-adoption at corrald's start: instead of starting a second copy of every
// service, take back what an earlier corrald left running.
//
// Sources: the state file (lib/persist) and, with fair_share = "cgroup", the
// processes found in the configured services' cgroups. A recorded main process
// is believed only when pid, start time (stat field 22) and cgroup (or, without
// cgroups, process group) all match. Per configured service:
//   - live main process: adopted (same pid, same restart count and history);
//     config changed meanwhile: restarted as a reload would; suspended: stays so;
//     stopped by hand (e.g. killed while stopping): the stop goes on.
//   - recorded main process gone: restarted by its policy, last exit "ended
//     while corrald was down".
//   - stopped by hand: stays stopped.
// Whatever matches no configured service (a recorded process, a cgroup of a
// service no longer in the config, a `run` service) is stopped: its stop
// signal, then SIGKILL after kStrayGrace, logged.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../event_loop.hpp"
#include "../fair_share.hpp"
#include "../supervisor.hpp"
#include "corral/persist/state.hpp"

namespace corral::daemon {

// The counters, start-limit window and exit history of a record, put back
// into s's state machine (before an Adopted or Start event).
void restore_counters(Service& s, const persist::ServiceRecord& r);

class Adopter {
 public:
  static constexpr std::chrono::milliseconds kStrayGrace{3000};

  Adopter(EventLoop& loop, Supervisor& sup, FairShare* fair, std::string state_dir);
  ~Adopter();

  // Returns the services it decided about (adopted, restarted, or kept stopped):
  // the caller autostarts only the others.
  std::set<std::string> run();
  // The start time (stat field 22) of each process run() adopted, as it checked
  // it: the state writer need not read it again.
  const std::map<pid_t, std::uint64_t>& adopted_start_times() const { return start_times_; }

  struct Stray {
    pid_t pid;
    std::uint64_t start_time;
    std::string what;  // for the log
  };

 private:
  void stop_strays();
  void kill_strays();

  EventLoop& loop_;
  Supervisor& sup_;
  FairShare* fair_;
  std::string dir_;
  std::vector<Stray> strays_;
  std::vector<std::string> stray_cgroups_;
  std::map<pid_t, std::uint64_t> start_times_;
  TimerId kill_timer_ = 0;
};

}  // namespace corral::daemon
