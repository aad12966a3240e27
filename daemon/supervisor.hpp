// SPDX-License-Identifier: Apache-2.0
// The supervisor: owns the services, carries out what their state machines
// decide (launch, signal, kill, timers), reaps children and captures logs.
// Everything runs on the event loop's one thread.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/launch/launch.hpp"
#include "corral/launch/launch_spec.hpp"
#include "corral/protocol/protocol.hpp"
#include "corral/supervise/log_file.hpp"
#include "corral/supervise/service_machine.hpp"
#include "event_bus.hpp"
#include "event_loop.hpp"
#include "service_spec.hpp"

namespace corral::daemon {

struct Service {
  ServiceSpec spec;
  supervise::ServiceMachine machine;
  pid_t pid = 0;
  UniqueFd pidfd;
  UniqueFd seccomp_listener;        // learning mode: the filter's notification fd (daemon/seccomp/)
  UniqueFd log_read, log_write;     // one pipe for stdout+stderr, kept across restarts
  std::unique_ptr<supervise::LogFile> log;
  bool log_error_reported = false;
  TimerId timer = 0;
  std::chrono::steady_clock::time_point timer_deadline{};  // when `timer` fires
  supervise::State published_state = supervise::State::Stopped;  // the `from` of the next State event
  bool remove_when_stopped = false; // removed by reload: forget it once stopped
  std::unique_ptr<ServiceSpec> next_spec;  // changed by reload: used at the next launch
  bool adopted = false;             // its process was started by an earlier corrald
  // The launch path (daemon/launch/): the prepared work, reused by restarts while
  // the LaunchSpec built for the service stays the same, and a child whose exec
  // is not confirmed yet (its handshake fd is in epoll).
  launch::Prepared prepared;
  std::unique_ptr<launch::LaunchSpec> prepared_for;
  std::unique_ptr<launch::Pending> pending;
};

class Supervisor {
 public:
  // State changes, exits and removals are published on `events`.
  Supervisor(EventLoop& loop, const DaemonSettings& settings, EventBus& events);
  ~Supervisor();

  // Called after every state change of a service (name), and when one is removed.
  std::function<void(const std::string&)> on_change;
  // Called with each chunk a service writes to its log.
  std::function<void(const std::string&, std::string_view)> on_log;
  // Whether the deadlock check sees the service in a deadlock (status_of's `deadlock`).
  std::function<bool(const std::string&)> is_deadlocked;
  // Fair-share hooks (daemon/fair_share.hpp), set by the Daemon; unset = nothing.
  // before_launch may refuse the launch (shown as the service's launch error).
  std::function<Status(const Service&, launch::LaunchSpec&)> before_launch;
  std::function<void(const Service&)> after_launch;
  std::function<void(const Service&)> before_stop_signal;  // e.g. thaw a suspended service
  std::function<void(const Service&, bool stopping)> after_exit;
  std::function<void(const Service&, protocol::ServiceStatus&)> decorate_status;

  Service* find(const std::string& name);
  // NAME matches NAME and its instances NAME@i; sorted by name.
  std::vector<Service*> match(const std::string& name);
  const std::map<std::string, std::unique_ptr<Service>>& services() const { return services_; }

  Status add(ServiceSpec spec);           // does not start it
  void start(Service& s);
  void stop(Service& s);
  void restart(Service& s);
  Status signal(Service& s, int sig);
  void remove(Service& s);                // stop, then forget
  // Restarts s with the new spec if it runs; true when it does not run and
  // wants a start, which the caller asks for through the dependency gate.
  bool replace_spec(Service& s, ServiceSpec spec);

  void stop_all();
  bool all_idle() const;                  // no service has a process, no stopped group still dying
  bool group_dying(const std::string& name) const;  // its stopped process group has members left

  // Re-adoption at start (daemon/adopt/supervisor_adopt.cpp): a live process found
  // from the state file or the service's cgroup becomes s's process again
  // (Event::Adopted), watched through a pidfd; corrald is not its parent, so its
  // exit status is unknown when it ends and the restart policy treats it as a failure.
  Status adopt(Service& s, pid_t pid);
  Status adopt(Service& s, pid_t pid, UniqueFd pidfd);  // pidfd: opened before pid was checked
  // The recorded process ended while corrald was down: adopted, then ended at once.
  void adopt_gone(Service& s, const std::string& why);
  // A log pipe kept by the fd holder across a crash (before s is launched or adopted).
  Status take_log_pipe(Service& s, UniqueFd read_end, UniqueFd write_end);
  // Re-exec (daemon/reexec/supervisor_reexec.cpp): pid is still corrald's child
  // (exec kept the pid), so it becomes s's process again with its exit status
  // exact (reaped by pidfd or SIGCHLD, as after launch()). Event::Adopted.
  Status take_child(Service& s, pid_t pid, UniqueFd pidfd, UniqueFd seccomp_listener);

  void on_sigchld();                      // reap: services and orphans alike
  // Readiness and health events from daemon/readiness/ (Ready, HealthFailed, ...).
  void deliver(Service& s, supervise::Event e, std::string reason = {});
  // sd_notify's EXTEND_TIMEOUT_USEC: the start or stop timer of s fires no
  // earlier than `by` from now. It only ever extends, as systemd's does.
  void extend_timeout(Service& s, std::chrono::microseconds by);
  // The service whose main process is pid, or null.
  Service* by_pid(pid_t pid) const;
  // A helper child of corrald (an exec probe): on_sigchld hands its wait status to done.
  void watch_child(pid_t pid, std::function<void(int wait_status)> done);
  protocol::ServiceStatus status_of(const Service& s) const;
  nlohmann::json describe(const Service& s) const;   // settings + history for `show`
  std::string log_path(const std::string& name) const;

 private:
  void apply(Service& s, const supervise::Effects& fx);
  void launch(Service& s);
  // daemon/launch/supervisor_launch.cpp: the exec handshake, the prepared work.
  enum class Settled { Pending, Launched, Failed };  // Failed: s may have been forgotten
  Settled settle_launch(Service& s, bool block = false);
  void watch_exit(Service& s);
  void drop_prepared(Service& s);
  void child_exited(Service& s, int wait_status);
  void process_ended(Service& s, supervise::ExitInfo info);  // a child's or an adopted process's end
  void on_timer(Service& s);
  bool reap_queued_ = false;  // on_sigchld left children to reap on a later turn
  void arm_service_timer(Service& s, std::chrono::steady_clock::time_point when);
  void drain_log(Service& s);
  Status ensure_log_pipe(Service& s);
  void forget(Service& s);
  void notify(Service& s);  // publishes a State event when the state moved, then on_change
  void check_dying();

  // Process groups of stopped services whose leader is gone but members (already
  // SIGKILLed) are not yet reaped: a stop is complete only when its group is empty.
  struct Dying {
    std::string name;
    SteadyTime since;
  };
  std::map<pid_t, Dying> dying_;
  TimerId dying_timer_ = 0;

  EventLoop& loop_;
  const DaemonSettings& settings_;
  EventBus& events_;
  std::map<std::string, std::unique_ptr<Service>> services_;
  std::unordered_map<pid_t, Service*> by_pid_;
  std::unordered_map<pid_t, std::function<void(int)>> helpers_;  // watch_child
  std::string read_buf_;
};

// "exited with code 1", "killed by SIGKILL (core dumped)".
supervise::ExitInfo exit_info_from_status(int wait_status);
std::int64_t wall_ms_now();

}  // namespace corral::daemon
