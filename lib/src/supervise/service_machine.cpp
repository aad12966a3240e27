// SPDX-License-Identifier: Apache-2.0
#include "corral/supervise/service_machine.hpp"

#include <array>
#include <cstdio>

namespace corral::supervise {
namespace {

using A = Action;
// Rows: State. Columns: Event (Start, Stop, Launched, LaunchFailed,
// StartSecsElapsed, ProcessExited, BackoffElapsed, StopTimeout | Ready,
// StartTimeout, HealthFailed, HealthOk, WatchdogTimeout | Adopted).
// A timer event in a state that has no such timer is stale and ignored.
// Adopted happens only to a service that has just been added (Stopped).
constexpr A I = A::Ignore;
constexpr std::array<std::array<Action, kEventCount>, kStateCount> kTable{{
    /* Stopped   */ {A::Launch, I, I, I, I, I, I, I, /**/ I, I, I, I, I, /**/ A::Adopt},
    /* Starting  */ {I, A::BeginStop, A::Confirm, A::Fail, A::Promote, A::Exit, I, I,
                     /**/ A::Promote, A::Condemn, I, I, A::Condemn, /**/ I},
    /* Running   */ {I, A::BeginStop, I, I, I, A::Exit, I, I, /**/ I, I, A::MarkUnhealthy, I, A::Condemn, /**/ I},
    /* Backoff   */ {A::Launch, A::CancelToIdle, I, I, I, I, A::Retry, I, /**/ I, I, I, I, I, /**/ I},
    /* Stopping  */ {A::QueueStart, A::UnqueueStart, I, I, I, A::Stopped, I, A::Kill, /**/ I, I, I, I, I, /**/ I},
    /* Exited    */ {A::Launch, A::CancelToIdle, I, I, I, I, I, I, /**/ I, I, I, I, I, /**/ I},
    /* Fatal     */ {A::Launch, A::CancelToIdle, I, I, I, I, I, I, /**/ I, I, I, I, I, /**/ I},
    /* Unhealthy */ {I, A::BeginStop, I, I, I, A::Exit, I, A::Kill, /**/ I, I, I, A::Recover, A::Condemn, /**/ I},
}};

std::string seconds_text(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

Action transition(State s, Event e) {
  return kTable[static_cast<std::size_t>(s)][static_cast<std::size_t>(e)];
}

std::string_view state_name(State s) {
  switch (s) {
    case State::Stopped: return "stopped";
    case State::Starting: return "starting";
    case State::Running: return "running";
    case State::Backoff: return "backoff";
    case State::Stopping: return "stopping";
    case State::Exited: return "exited";
    case State::Fatal: return "fatal";
    case State::Unhealthy: return "unhealthy";
  }
  return "?";
}

std::string_view event_name(Event e) {
  switch (e) {
    case Event::Start: return "start";
    case Event::Stop: return "stop";
    case Event::Launched: return "launched";
    case Event::LaunchFailed: return "launch-failed";
    case Event::StartSecsElapsed: return "start-secs-elapsed";
    case Event::ProcessExited: return "process-exited";
    case Event::BackoffElapsed: return "backoff-elapsed";
    case Event::StopTimeout: return "stop-timeout";
    case Event::Ready: return "ready";
    case Event::StartTimeout: return "start-timeout";
    case Event::HealthFailed: return "health-failed";
    case Event::HealthOk: return "health-ok";
    case Event::WatchdogTimeout: return "watchdog-timeout";
    case Event::Adopted: return "adopted";
  }
  return "?";
}

std::string_view restart_name(Restart r) {
  switch (r) {
    case Restart::No: return "no";
    case Restart::OnFailure: return "on-failure";
    case Restart::Always: return "always";
  }
  return "?";
}

std::optional<Restart> parse_restart(std::string_view s) {
  if (s == "no") return Restart::No;
  if (s == "on-failure") return Restart::OnFailure;
  if (s == "always") return Restart::Always;
  return std::nullopt;
}

Duration ServiceMachine::backoff_delay() const {
  Duration d = policy_.backoff_initial;
  for (int i = 1; i < failures_ && d < policy_.backoff_max; ++i) d *= 2;
  return d < policy_.backoff_max ? d : policy_.backoff_max;
}

void ServiceMachine::restore(int restarts, int failures, std::deque<TimePoint> recent_starts,
                             std::deque<ExitRecord> history) {
  restarts_ = restarts;
  failures_ = failures;
  recent_starts_ = std::move(recent_starts);
  history_ = std::move(history);
  while (history_.size() > kHistory) history_.pop_back();
}

void ServiceMachine::go(State s, Effects& fx) {
  if (s != state_) fx.state_changed = true;
  state_ = s;
}

void ServiceMachine::begin_launch(TimePoint now, Effects& fx) {
  recent_starts_.push_back(now);
  started_at_ = now;
  became_ready_ = false;
  condemned_ = false;
  unhealthy_reason_.clear();
  fx.cancel_timer = true;
  fx.launch = true;
  go(State::Starting, fx);
}

Effects ServiceMachine::handle(Event e, TimePoint now) { return apply(transition(state_, e), e, now, nullptr, {}); }

Effects ServiceMachine::handle(Event e, TimePoint now, std::string reason) {
  return apply(transition(state_, e), e, now, nullptr, std::move(reason));
}

Effects ServiceMachine::exited(TimePoint now, ExitInfo info) {
  return apply(transition(state_, Event::ProcessExited), Event::ProcessExited, now, &info, {});
}

Effects ServiceMachine::launch_failed(TimePoint now, std::int64_t wall_time_ms, std::string message) {
  ExitInfo info;
  info.wall_time_ms = wall_time_ms;
  info.launch_failed = true;
  info.description = std::move(message);
  return apply(transition(state_, Event::LaunchFailed), Event::LaunchFailed, now, &info, {});
}

Effects ServiceMachine::apply(Action a, Event e, TimePoint now, ExitInfo* info, std::string reason) {
  Effects fx;
  switch (a) {
    case Action::Ignore:
      break;
    case Action::Launch:  // a deliberate start forgives earlier failures
      failures_ = 0;
      recent_starts_.clear();
      error_.clear();
      start_queued_ = false;
      begin_launch(now, fx);
      break;
    case Action::Retry:
      ++restarts_;
      begin_launch(now, fx);
      break;
    case Action::Confirm:
      if (policy_.waits_for_ready) {
        if (policy_.start_timeout.count() > 0) fx.arm_timer = policy_.start_timeout;
      } else if (policy_.start_secs.count() <= 0) {
        failures_ = 0;
        became_ready_ = true;
        go(State::Running, fx);
      } else {
        fx.arm_timer = policy_.start_secs;
      }
      break;
    case Action::Promote:
      failures_ = 0;
      became_ready_ = true;
      fx.cancel_timer = true;  // start_secs or start_timeout
      go(State::Running, fx);
      break;
    case Action::MarkUnhealthy:
      if (policy_.restart == Restart::No) {  // nothing would restart it: show it, keep it
        unhealthy_reason_ = std::move(reason);
        go(State::Unhealthy, fx);
        break;
      }
      [[fallthrough]];
    case Action::Condemn:
      if (condemned_) break;  // already on its way out
      condemned_ = true;
      unhealthy_reason_ = std::move(reason);
      fx.cancel_timer = true;
      if (e == Event::WatchdogTimeout) fx.send_watchdog_signal = true;
      else fx.send_stop_signal = true;
      fx.arm_timer = policy_.stop_timeout;  // then StopTimeout -> Kill
      go(State::Unhealthy, fx);
      break;
    case Action::Recover:
      if (condemned_) break;
      unhealthy_reason_.clear();
      go(State::Running, fx);
      break;
    case Action::Exit:
    case Action::Fail:
      if (info != nullptr) fx = after_exit(now, std::move(*info));
      break;
    case Action::BeginStop:
      fx.cancel_timer = true;
      fx.send_stop_signal = true;
      fx.arm_timer = policy_.stop_timeout;
      go(State::Stopping, fx);
      break;
    case Action::CancelToIdle:
      fx.cancel_timer = true;
      error_.clear();
      go(State::Stopped, fx);
      break;
    case Action::Kill:
      fx.send_kill = true;
      break;
    case Action::Stopped: {
      if (info != nullptr) {
        Duration ran = started_at_ ? std::chrono::duration_cast<Duration>(now - *started_at_) : Duration{0};
        history_.push_front(ExitRecord{std::move(*info), ran});
        if (history_.size() > kHistory) history_.pop_back();
      }
      started_at_.reset();
      error_.clear();
      condemned_ = false;
      unhealthy_reason_.clear();
      fx.cancel_timer = true;
      go(State::Stopped, fx);
      if (start_queued_) {  // a restart: stop is done, now start
        start_queued_ = false;
        failures_ = 0;
        recent_starts_.clear();
        begin_launch(now, fx);
      }
      break;
    }
    case Action::QueueStart:
      start_queued_ = true;
      break;
    case Action::UnqueueStart:
      start_queued_ = false;
      break;
    case Action::Adopt:  // it has been running since before this corrald: no start_secs wait
      started_at_ = now;
      became_ready_ = true;  // past its start: its end is a crash, not a failed start
      error_.clear();
      go(State::Running, fx);
      break;
  }
  return fx;
}

Effects ServiceMachine::after_exit(TimePoint now, ExitInfo info) {
  Effects fx;
  fx.cancel_timer = true;
  // A run that never became ready is a failed start (it drives the backoff).
  const bool early = !became_ready_;
  // Stopped for not becoming ready, starving its watchdog or failing health: a failure, whatever the exit code.
  const bool failed = info.failed() || condemned_;
  if (condemned_) info.description = unhealthy_reason_ + " (then " + info.description + ")";
  condemned_ = false;
  unhealthy_reason_.clear();
  Duration ran = started_at_ ? std::chrono::duration_cast<Duration>(now - *started_at_) : Duration{0};
  started_at_.reset();
  error_ = failed ? info.description : std::string();
  std::string last = info.description;
  history_.push_front(ExitRecord{std::move(info), ran});
  if (history_.size() > kHistory) history_.pop_back();

  const bool restart = policy_.restart == Restart::Always || (policy_.restart == Restart::OnFailure && failed);
  if (!restart) {
    go(State::Exited, fx);
    return fx;
  }
  // A start that did not last start_secs is a failed start; a good run resets the count.
  failures_ = early ? failures_ + 1 : 0;

  while (!recent_starts_.empty() && now - recent_starts_.front() > policy_.start_limit_interval)
    recent_starts_.pop_front();
  if (policy_.start_limit_burst > 0 && static_cast<int>(recent_starts_.size()) >= policy_.start_limit_burst) {
    error_ = "start limit reached: " + std::to_string(recent_starts_.size()) + " starts within " +
             seconds_text(policy_.start_limit_interval) + " (last: " + last + ")";
    go(State::Fatal, fx);
    return fx;
  }
  if (failures_ > 0) {
    fx.arm_timer = backoff_delay();
    go(State::Backoff, fx);
    return fx;
  }
  ++restarts_;  // a good run ended: restart at once (crash-to-restart latency matters)
  begin_launch(now, fx);
  return fx;
}

}  // namespace corral::supervise
