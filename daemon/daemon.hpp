// SPDX-License-Identifier: Apache-2.0
// corrald's core: the event loop, the supervisor, the control server and the
// request handlers, tied together. One thread; nothing runs in signal handlers
// (signals arrive through a signalfd).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "adopt/adopter.hpp"
#include "config_bridge.hpp"
#include "control_server.hpp"
#include "corral/persist/handover.hpp"
#include "deadlock_monitor.hpp"
#include "event_bus.hpp"
#include "event_loop.hpp"
#include "events/event_stream.hpp"
#include "fair_share.hpp"
#include "fdholder/log_pipe_keeper.hpp"
#include "jobs/queue_runner.hpp"
#include "persist/state_writer.hpp"
#include "readiness/dependency_gate.hpp"
#include "readiness/readiness_monitor.hpp"
#include "readiness/self_notify.hpp"
#include "seccomp/learner.hpp"
#include "metrics/metrics_component.hpp"
#include "supervisor.hpp"

namespace corral::daemon {

class Daemon {
 public:
  explicit Daemon(DaemonSettings settings);
  // Started by daemon-reexec: what the previous corrald handed over (main.cpp).
  void set_handover(persist::Handover h) { handover_ = std::make_unique<persist::Handover>(std::move(h)); }
  ~Daemon();
  Status init(LoadedConfig initial);
  int run();  // returns the process exit code

 private:
  // A reply that waits for services to settle (stop, restart, shutdown).
  struct Pending {
    ClientId client;
    protocol::Command command;
    std::vector<std::string> names;
    bool no_block = false;  // start/restart: do not wait for readiness
  };

  void on_signal();
  void on_request(ClientId id, const Peer& peer, const protocol::Request& req);
  void on_service_change(const std::string& name);
  void check_pending();
  bool settled(const Pending& p);
  nlohmann::json statuses(const std::vector<std::string>& names);

  void handle_status(ClientId id, const protocol::Request& req);
  void handle_show(ClientId id, const protocol::Request& req);
  void handle_control(ClientId id, const protocol::Request& req);  // start, stop, restart
  void handle_signal(ClientId id, const protocol::Request& req);
  void handle_reload(ClientId id);
  void handle_logs(ClientId id, const protocol::Request& req);
  void handle_run(ClientId id, const protocol::Request& req);
  void handle_shutdown(ClientId id);
  void handle_suspend(ClientId id, const protocol::Request& req);  // suspend and resume (fair_share_hooks.cpp)
  void handle_groups(ClientId id, const protocol::Request& req);
  void handle_syscalls_learned(ClientId id, const protocol::Request& req);  // seccomp/handle_syscalls_learned.cpp
  void handle_metrics(ClientId id);                                 // metrics/handle_metrics.cpp
  void handle_events(ClientId id, const protocol::Request& req);    // events/handle_events.cpp
  void init_fair_share(const LoadedConfig& initial);
  // Live re-exec (daemon/reexec/): the old side (daemon_reexec.cpp) and the new
  // side (daemon_restore.cpp). reexec() returns only when the exec failed.
  void handle_daemon_reexec(ClientId id, const Peer& peer);
  Status reexec(std::optional<ClientId> requester);
  std::set<std::string> init_from_handover();  // instead of adoption, from init_adoption()
  void finish_handover();                      // the handed-over clients, at the end of init()
  // The state file and re-adoption (daemon/adopt/daemon_adopt.cpp): returns the
  // services adoption decided about, which autostart leaves alone.
  std::set<std::string> init_adoption();
  void finish_clean_shutdown();  // every service stopped: no state, no kept pipes
  Status init_readiness();                          // readiness_hooks.cpp
  bool start_settled(const std::string& name);      // ready, or failed to be
  std::string services_summary() const;             // corrald's own STATUS=
  Result<nlohmann::json> reload();
  void begin_shutdown();
  // Resolves names (a bare NAME covers its instances) or says which one is unknown.
  Result<std::vector<Service*>> resolve(const std::vector<std::string>& names);

  DaemonSettings settings_;
  std::unique_ptr<EventLoop> loop_;
  EventBus events_;  // what happened, for the components that follow it
  std::unique_ptr<Supervisor> sup_;
  std::unique_ptr<ControlServer> server_;
  std::unique_ptr<DeadlockMonitor> deadlocks_;  // [daemon] deadlock_check
  std::unique_ptr<FairShare> fair_;
  std::unique_ptr<Adopter> adopter_;     // takes back what an earlier corrald left running
  std::unique_ptr<StateWriter> state_;   // state_dir/corrald.state
  std::unique_ptr<LogPipeKeeper> pipes_; // log pipes kept by the fd holder across a crash
  std::unique_ptr<readiness::ReadinessMonitor> ready_;  // sd_notify, probes, watchdogs
  std::unique_ptr<readiness::DependencyGate> gate_;     // after/requires wait for readiness
  std::unique_ptr<readiness::SelfNotify> self_notify_;  // corrald's own sd_notify (Type=notify)
  std::unique_ptr<SyscallLearner> learner_;  // syscall_filter_mode = "learn"
  std::unique_ptr<MetricsComponent> metrics_;  // exposition, request counters, [daemon] metrics_listen
  std::unique_ptr<EventStream> event_stream_;  // `events` followers
  std::unique_ptr<QueueRunner> queues_;        // the job queues, the long-term scheduler (daemon/jobs/)
  UniqueFd signal_fd_;
  std::vector<Pending> pending_;
  std::unordered_map<std::string, std::vector<ClientId>> followers_;
  bool shutting_down_ = false;
  std::unique_ptr<persist::Handover> handover_;  // until init() has taken it over
  int generation_ = 0;                          // re-execs so far (`version`)
  // The config files as last loaded (start, reload): daemon-reexec does not
  // check a config again whose files have not changed since.
  std::optional<config::ConfigStamp> config_stamp_;
  int run_counter_ = 0;
};

}  // namespace corral::daemon
