// SPDX-License-Identifier: Apache-2.0
// The service lifecycle as a pure state machine: an explicit table of
// state x event -> action (s6 style), with no clock, no syscalls and no I/O.
// The daemon feeds it events stamped with a monotonic time and carries out the
// Effects it returns (launch, signal, kill, arm a timer). Tests drive it with a
// fake clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace corral::supervise {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

// Starting: launched, not ready yet. Running: ready (notified, probed, or up
// start_secs). Unhealthy: still running, but its health probe fails, or it is
// being stopped because it failed to become ready or to feed its watchdog.
enum class State : std::uint8_t { Stopped, Starting, Running, Backoff, Stopping, Exited, Fatal, Unhealthy };
inline constexpr int kStateCount = 8;

enum class Event : std::uint8_t {
  Start,             // operator (or autostart) asks for the service to run
  Stop,              // operator asks for it to stop
  Launched,          // the launcher started the process
  LaunchFailed,      // the launcher could not start it (exec error, bad user, ...)
  StartSecsElapsed,  // the process stayed up for start_secs: the start counts as good
  ProcessExited,     // the process was reaped
  BackoffElapsed,    // the restart delay is over
  StopTimeout,       // stop_timeout passed after the stop signal
  Ready,             // the service said or showed it is ready (sd_notify READY=1, fd:N, ready_probe)
  StartTimeout,      // start_timeout passed without Ready
  HealthFailed,      // the health probe failed failure_threshold times in a row
  HealthOk,          // the health probe passes again
  WatchdogTimeout,   // a notify service sent no WATCHDOG=1 for `watchdog`
  Adopted,           // at corrald's start, a live process of the service was found and taken back
};
inline constexpr int kEventCount = 14;

enum class Restart : std::uint8_t { No, OnFailure, Always };

// What a (state, event) pair does. Guards (restart policy, start limit) are
// evaluated inside the action, so the table stays a plain lookup.
enum class Action : std::uint8_t {
  Ignore,        // nothing to do (stale timer, repeated request)
  Launch,        // manual start from an idle state: reset the failure counters, launch
  Retry,         // backoff over: launch again
  Confirm,       // launched: arm the start_secs timer (or go Running at once)
  Promote,       // start_secs reached: Running, failures forgiven
  Exit,          // the process ended on its own: record it, then restart/backoff/exited/fatal
  Fail,          // the launch failed: like an exit, with the launcher's message
  BeginStop,     // send the stop signal, arm stop_timeout
  CancelToIdle,  // nothing runs (backoff/exited/fatal): go Stopped
  Kill,          // stop_timeout passed: SIGKILL the process group
  Stopped,       // the process ended during a stop: Stopped, or launch if a start is queued
  QueueStart,    // a start arrived while stopping: launch once the process is gone
  UnqueueStart,  // a stop arrived while stopping: forget a queued start
  MarkUnhealthy, // health failed: Unhealthy; with a restart policy, stop it to restart it as after a crash
  Condemn,       // not ready in time / watchdog starved: Unhealthy, signal it, restart as after a crash
  Recover,       // health passes again while merely marked unhealthy: Running
  Adopt,         // a process found alive after corrald's restart: Running, counters kept
};

Action transition(State s, Event e);
std::string_view state_name(State s);
std::string_view event_name(Event e);
std::string_view restart_name(Restart r);
std::optional<Restart> parse_restart(std::string_view s);

struct Policy {
  Restart restart = Restart::OnFailure;
  Duration start_secs{1000};          // uptime after which a start counts as good
  Duration backoff_initial{100};      // first restart delay after a failed start
  Duration backoff_max{30000};        // the delay doubles up to this
  int start_limit_burst = 5;          // this many starts ...
  Duration start_limit_interval{10000};  // ... within this window -> fatal
  Duration stop_timeout{10000};       // stop signal -> SIGKILL after this
  // Readiness is signalled (notify, ready_probe): Starting lasts until Ready,
  // at most start_timeout (0: no limit); start_secs does not promote.
  bool waits_for_ready = false;
  Duration start_timeout{90000};
};

// How a process ended, as the daemon saw it.
struct ExitInfo {
  std::int64_t wall_time_ms = 0;  // when (Unix time, for the history)
  int code = -1;                  // exit code, or -1
  int signal = 0;                 // terminating signal, or 0
  bool core_dumped = false;
  bool launch_failed = false;     // never ran: exec error etc.
  std::string description;        // "exited with code 1", "killed by SIGKILL", or the launch error
  bool failed() const { return launch_failed || signal != 0 || code != 0; }
};

struct ExitRecord {
  ExitInfo info;
  Duration run_time{0};
};

// What the daemon must do after an event. Applied in this order:
// cancel timer, kill/signal, launch, arm timer.
struct Effects {
  bool launch = false;
  bool send_stop_signal = false;
  bool send_kill = false;
  bool send_watchdog_signal = false;  // the service's watchdog_signal (default SIGABRT) to its group
  bool cancel_timer = false;
  std::optional<Duration> arm_timer;  // replaces any armed timer
  bool state_changed = false;
};

class ServiceMachine {
 public:
  static constexpr std::size_t kHistory = 10;

  explicit ServiceMachine(Policy policy = {}) : policy_(policy) {}

  Effects handle(Event e, TimePoint now);
  // Events with a reason (HealthFailed, StartTimeout, WatchdogTimeout): shown in status and the exit record.
  Effects handle(Event e, TimePoint now, std::string reason);
  // ProcessExited and LaunchFailed carry their payload.
  Effects exited(TimePoint now, ExitInfo info);
  Effects launch_failed(TimePoint now, std::int64_t wall_time_ms, std::string message);

  State state() const { return state_; }
  const Policy& policy() const { return policy_; }
  void set_policy(const Policy& p) { policy_ = p; }
  int restarts() const { return restarts_; }
  int consecutive_failures() const { return failures_; }
  const std::string& error() const { return error_; }
  std::optional<TimePoint> started_at() const { return started_at_; }
  const std::deque<ExitRecord>& history() const { return history_; }
  bool start_queued() const { return start_queued_; }
  const std::deque<TimePoint>& recent_starts() const { return recent_starts_; }
  // The delay the next failed start would wait (for tests and `show`).
  Duration backoff_delay() const;
  // What a restarted corrald read from its state file: the counters and the
  // history it had (before an Adopted or Start event).
  void restore(int restarts, int failures, std::deque<TimePoint> recent_starts, std::deque<ExitRecord> history);
  // A re-exec'd corrald (after Adopted): when the process it took over started.
  void restore_started_at(TimePoint t) { started_at_ = t; }
  // Why the service is Unhealthy ("" otherwise); kept until it exits.
  const std::string& unhealthy_reason() const { return unhealthy_reason_; }
  // Whether it is Unhealthy and being stopped for it (not only marked).
  bool condemned() const { return condemned_; }
  // The timer event for a timer armed in Starting: StartTimeout or StartSecsElapsed.
  Event starting_timer_event() const { return policy_.waits_for_ready ? Event::StartTimeout : Event::StartSecsElapsed; }

 private:
  Effects apply(Action a, Event e, TimePoint now, ExitInfo* info, std::string reason);
  Effects after_exit(TimePoint now, ExitInfo info);
  void go(State s, Effects& fx);
  void begin_launch(TimePoint now, Effects& fx);

  Policy policy_;
  State state_ = State::Stopped;
  int restarts_ = 0;          // automatic restarts since the daemon knew the service
  int failures_ = 0;          // consecutive failed starts (drives the backoff)
  bool start_queued_ = false;
  bool became_ready_ = false;  // this run reached Running (a later exit is not a failed start)
  bool condemned_ = false;
  std::string unhealthy_reason_;
  std::string error_;
  std::optional<TimePoint> started_at_;
  std::deque<TimePoint> recent_starts_;  // for the start limit
  std::deque<ExitRecord> history_;       // newest first
};

}  // namespace corral::supervise
