// SPDX-License-Identifier: Apache-2.0
// corrald's fair-share groups, thread pinning and suspend/resume.
//
// fair_share = "cgroup": one cgroup per [group.NAME] (limits applied) below the
// daemon's subtree (open_cgroups: v2, v1/hybrid, or the systemd-delegated cgroup),
// and one cgroup per service inside its group ("<group>/<service>"). The child
// joins its service cgroup before exec through LaunchSpec::cgroup_procs_path; on
// v1 that is the freezer controller's directory (the one kill() and procs() read),
// and the daemon attaches the pid to the other controllers right after launch.
// If the subtree cannot be made, corrald logs why and falls back to "nice".
// fair_share = "nice": a NiceController runs each fair_share_interval over the
// services' main processes. "off": nothing. In cgroup mode no timer runs: the
// measured shares are sampled when a `groups` request arrives (group list, top),
// over the time since the previous one.
//
// Everything runs on the event loop's thread; timers exist only while there is
// something to do (a group to measure, a service to pin).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "corral/cgroup/setup.hpp"
#include "corral/config/config.hpp"
#include "corral/fairshare/nice_controller.hpp"
#include "corral/launch/launch_spec.hpp"
#include "corral/sched/pinner.hpp"
#include "event_loop.hpp"
#include "supervisor.hpp"

namespace corral::daemon {

class FairShare {
 public:
  FairShare(EventLoop& loop, Supervisor& sup);
  ~FairShare();

  // Start-up: opens the cgroup subtree (or falls back), makes the groups.
  void init(const config::DaemonConfig& daemon, const std::map<std::string, config::GroupConfig>& groups);
  // Reload: new or changed groups get their limits (re)applied.
  void reload(const std::map<std::string, config::GroupConfig>& groups);
  // Shutdown (after every service stopped): removes the cgroups corrald made.
  void shutdown();

  // Supervisor hooks.
  Status before_launch(const Service& s, launch::LaunchSpec& ls);
  // proc_cgroup: the text of /proc/PID/cgroup when the caller has read it (adoption).
  void after_launch(const Service& s, std::string_view proc_cgroup = {});
  // A child handed over by a re-exec: the previous corrald placed it in its
  // cgroups (moving it again would be a cgroup migration per v1 hierarchy,
  // 9,000 for 1,000 services); only its thread pinning starts again.
  void after_handover(const Service& s);
  void after_exit(const Service& s, bool stopping);  // stopping: kill what is left in its cgroup

  // Suspend/resume (the medium-term scheduler).
  Status suspend(const Service& s);
  Status resume(const Service& s);
  bool suspended(const std::string& name) const { return suspended_.count(name) != 0; }
  std::optional<std::string> suspend_label(const std::string& name) const;

  // The cgroup layer of the groups and services ("<group>/<service>"; nullptr unless
  // fair_share = "cgroup" is in effect), and the path of a service's cgroup below it
  // (re-adoption in daemon/adopt/, the metrics view).
  cgroup::Cgroups* cgroups() const { return cg_ ? cg_->cgroups.get() : nullptr; }
  std::string cgroup_of(const config::ServiceConfig& c) const { return cg_ ? service_path(c) : std::string(); }

  // `groups` request: each group's weight, target share, measured share, memory, pids.
  nlohmann::json groups_json();
  std::string mode_name() const;

 private:
  std::string service_path(const config::ServiceConfig& c) const { return c.group + "/" + c.name; }
  void place_in_cgroups(const Service& s, std::string_view proc_cgroup);  // v1: the hierarchies it is not in yet
  void start_pinning(const Service& s);  // affinity.threads: pin its threads now and as they come
  Status make_group(const config::GroupConfig& g);
  void arm_interval_timer();
  void sample();  // measures the groups' CPU share since the last sample; nice mode: renices
  void arm_pin_timer();
  void on_pin_timer();
  void fall_back_to_nice(const std::string& why);
  std::vector<std::pair<const Service*, pid_t>> running() const;

  EventLoop& loop_;
  Supervisor& sup_;
  config::FairShare mode_ = config::FairShare::Off;
  config::Duration interval_{std::chrono::seconds(1)};
  config::Duration rescan_{std::chrono::seconds(1)};
  std::optional<cgroup::Opened> cg_;
  std::map<std::string, config::GroupConfig> groups_;
  std::unique_ptr<fairshare::NiceController> nice_;
  std::map<std::string, int> group_index_;  // for the NiceController: the active groups
  std::set<std::string> active_groups_;     // nice mode: groups that used CPU last interval
  // Service cgroups made by before_launch: a restart checks that one still exists
  // (one stat) instead of making it again in every hierarchy (a mkdir per level
  // per v1 controller). Forgotten with their group.
  std::set<std::string> made_;

  // Measured CPU share per group over the last interval.
  std::map<std::string, std::uint64_t> prev_group_ns_;  // cumulative CPU ns per group at the last sample
  std::map<std::string, std::uint64_t> nice_total_ns_;  // nice mode: the sum of the processes' ticks
  std::map<pid_t, std::uint64_t> last_ticks_;
  std::map<std::string, double> measured_share_;
  std::map<std::string, double> cpu_percent_;
  SteadyTime last_sample_{};
  double measured_over_s_ = 0;  // seconds between the last two samples
  TimerId interval_timer_ = 0;

  std::map<std::string, sched::Pinner> pinners_;  // by service name
  TimerId pin_timer_ = 0;

  struct Suspension {
    std::string label;  // "Ready/Suspend" or "Blocked/Suspend"
    bool by_signal = false;
    pid_t pid = 0;
  };
  std::map<std::string, Suspension> suspended_;
};

}  // namespace corral::daemon
