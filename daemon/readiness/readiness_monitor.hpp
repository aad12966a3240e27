// SPDX-License-Identifier: Apache-2.0
// The readiness and health component of corrald: the sd_notify socket, the
// fd:N readiness pipes, ready and health probes, and watchdogs. It follows the
// services through the event bus (State, Removed) and feeds what it learns back
// to the supervisor as state-machine events (Ready, HealthFailed, HealthOk,
// WatchdogTimeout). The Daemon chains its three launch/status hooks.
#pragma once

#include <sys/socket.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "../event_bus.hpp"
#include "../supervisor.hpp"
#include "corral/readiness/probe.hpp"
#include "notify_socket.hpp"
#include "probe_run.hpp"

namespace corral::daemon::readiness {

class ReadinessMonitor {
 public:
  ReadinessMonitor(EventLoop& loop, Supervisor& sup, EventBus& events);
  ~ReadinessMonitor();
  Status open();  // the notify socket

  // Hooks, called by the Daemon's chained Supervisor hooks.
  Status before_launch(const Service& s, launch::LaunchSpec& ls);
  void after_launch(const Service& s);
  void decorate(const Service& s, protocol::ServiceStatus& st) const;
  // For `show`: notify mode, probe histories, watchdog, main pid, errno.
  nlohmann::json describe(const Service& s) const;

  const std::string& notify_address() const;
  // Datagrams ignored because their sender is no process of a notify service.
  std::uint64_t rejected() const { return rejected_; }

 private:
  struct Probe {
    std::optional<corral::readiness::ProbeTracker> tracker;
    std::unique_ptr<ProbeRun> run;
    TimerId timer = 0;
  };
  struct Runtime {
    std::string status_text;
    pid_t main_pid = 0;
    std::optional<int> errno_value;
    bool stopping = false, reloading = false;
    Probe ready, health;
    TimerId watchdog_timer = 0;
    std::optional<std::chrono::microseconds> watchdog_override;  // WATCHDOG_USEC= from the service
    UniqueFd fd_read, fd_write;  // notify = "fd:N"
    launch::LaunchSpec exec_base;  // the service's launch settings, for exec probes
  };

  void on_event(const DaemonEvent& e);
  void on_notify(const ucred& cred, std::string_view payload, bool truncated);
  void on_fd_ready(const std::string& name);
  Service* service_of(pid_t pid) const;
  void schedule(const std::string& name, bool health);
  void run_probe(const std::string& name, bool health);
  void probe_done(const std::string& name, bool health, bool ok, std::string detail);
  void stop_probe(Probe& p);
  void arm_watchdog(const std::string& name);
  void close_fd_pipe(Runtime& rt);
  void quiesce(Runtime& rt);

  EventLoop& loop_;
  Supervisor& sup_;
  EventBus& events_;
  EventBus::SubscriptionId sub_ = 0;
  std::unique_ptr<NotifySocket> socket_;
  std::map<std::string, Runtime> rt_;
  // Shared with the runs: a run destroyed from the loop after us still gives its socket back.
  std::shared_ptr<ProbeSockets> probe_sockets_ = std::make_shared<ProbeSockets>();
  std::uint64_t rejected_ = 0;
};

}  // namespace corral::daemon::readiness
