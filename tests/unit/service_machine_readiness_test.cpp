// SPDX-License-Identifier: Apache-2.0
// The readiness and health rows of the service state machine (fake clock).
#include <gtest/gtest.h>

#include "corral/supervise/service_machine.hpp"

namespace corral::supervise {
namespace {

using namespace std::chrono_literals;

Policy ready_policy(Restart r = Restart::OnFailure) {
  Policy p;
  p.restart = r;
  p.start_secs = 1000ms;
  p.backoff_initial = 100ms;
  p.backoff_max = 800ms;
  p.start_limit_burst = 3;
  p.start_limit_interval = 60000ms;
  p.stop_timeout = 2000ms;
  p.waits_for_ready = true;
  p.start_timeout = 5000ms;
  return p;
}

ExitInfo killed_by(int sig) {
  ExitInfo i;
  i.signal = sig;
  i.description = "killed by signal " + std::to_string(sig);
  return i;
}

TEST(ServiceMachineReadiness, TableRows) {
  EXPECT_EQ(transition(State::Starting, Event::Ready), Action::Promote);
  EXPECT_EQ(transition(State::Starting, Event::StartTimeout), Action::Condemn);
  EXPECT_EQ(transition(State::Running, Event::HealthFailed), Action::MarkUnhealthy);
  EXPECT_EQ(transition(State::Running, Event::WatchdogTimeout), Action::Condemn);
  EXPECT_EQ(transition(State::Unhealthy, Event::HealthOk), Action::Recover);
  EXPECT_EQ(transition(State::Unhealthy, Event::ProcessExited), Action::Exit);
  EXPECT_EQ(transition(State::Unhealthy, Event::StopTimeout), Action::Kill);
  EXPECT_EQ(transition(State::Stopped, Event::Ready), Action::Ignore);
  EXPECT_EQ(transition(State::Running, Event::Ready), Action::Ignore);
  EXPECT_EQ(state_name(State::Unhealthy), "unhealthy");
  EXPECT_EQ(event_name(Event::WatchdogTimeout), "watchdog-timeout");
}

TEST(ServiceMachineReadiness, StartsUntilReadyNotStartSecs) {
  ServiceMachine m(ready_policy());
  TimePoint t{std::chrono::seconds(100)};
  m.handle(Event::Start, t);
  auto fx = m.handle(Event::Launched, t);
  ASSERT_TRUE(fx.arm_timer);
  EXPECT_EQ(*fx.arm_timer, 5000ms) << "start_timeout, not start_secs";
  EXPECT_EQ(m.starting_timer_event(), Event::StartTimeout);
  EXPECT_EQ(m.state(), State::Starting);
  fx = m.handle(Event::Ready, t + 2s);
  EXPECT_EQ(m.state(), State::Running);
  EXPECT_TRUE(fx.cancel_timer);
  EXPECT_TRUE(fx.state_changed);
}

TEST(ServiceMachineReadiness, StartTimeoutFailsTheStartAndBacksOff) {
  ServiceMachine m(ready_policy());
  TimePoint t{std::chrono::seconds(100)};
  m.handle(Event::Start, t);
  m.handle(Event::Launched, t);
  auto fx = m.handle(Event::StartTimeout, t + 5s, "not ready within start_timeout 5s");
  EXPECT_EQ(m.state(), State::Unhealthy);
  EXPECT_TRUE(fx.send_stop_signal);
  ASSERT_TRUE(fx.arm_timer);
  EXPECT_EQ(*fx.arm_timer, 2000ms);
  EXPECT_TRUE(m.condemned());
  // A late READY=1 changes nothing now.
  m.handle(Event::Ready, t + 5100ms);
  EXPECT_EQ(m.state(), State::Unhealthy);
  // It ignores SIGTERM: stop_timeout kills it.
  fx = m.handle(Event::StopTimeout, t + 7s);
  EXPECT_TRUE(fx.send_kill);
  fx = m.exited(t + 7100ms, killed_by(9));
  EXPECT_EQ(m.state(), State::Backoff);
  EXPECT_EQ(m.consecutive_failures(), 1);
  EXPECT_NE(m.error().find("not ready within start_timeout 5s"), std::string::npos) << m.error();
  EXPECT_NE(m.history().front().info.description.find("then killed by signal 9"), std::string::npos);
}

TEST(ServiceMachineReadiness, StartTimeoutsCountTowardTheStartLimit) {
  ServiceMachine m(ready_policy());
  TimePoint t{std::chrono::seconds(100)};
  m.handle(Event::Start, t);
  for (int i = 0; i < 3; ++i) {
    m.handle(Event::Launched, t);
    m.handle(Event::StartTimeout, t, "not ready");
    ExitInfo ok;
    ok.code = 0;
    ok.description = "exited with code 0";
    m.exited(t, ok);  // exit code 0 still counts: it was stopped for not being ready
    if (m.state() == State::Backoff) m.handle(Event::BackoffElapsed, t);
  }
  EXPECT_EQ(m.state(), State::Fatal);
  EXPECT_NE(m.error().find("start limit reached"), std::string::npos);
}

TEST(ServiceMachineReadiness, HealthFailureRestartsWithOnFailure) {
  ServiceMachine m(ready_policy());
  TimePoint t{std::chrono::seconds(100)};
  m.handle(Event::Start, t);
  m.handle(Event::Launched, t);
  m.handle(Event::Ready, t);
  auto fx = m.handle(Event::HealthFailed, t + 10s, "health probe failed 3 times in a row");
  EXPECT_EQ(m.state(), State::Unhealthy);
  EXPECT_TRUE(fx.send_stop_signal);
  EXPECT_EQ(m.unhealthy_reason(), "health probe failed 3 times in a row");
  fx = m.exited(t + 10100ms, killed_by(15));
  // It had been ready: not a failed start, restarted at once as after a crash.
  EXPECT_EQ(m.state(), State::Starting);
  EXPECT_TRUE(fx.launch);
  EXPECT_EQ(m.restarts(), 1);
  EXPECT_FALSE(m.condemned());
  EXPECT_TRUE(m.unhealthy_reason().empty());
}

TEST(ServiceMachineReadiness, HealthFailureWithoutRestartOnlyMarks) {
  ServiceMachine m(ready_policy(Restart::No));
  TimePoint t{std::chrono::seconds(100)};
  m.handle(Event::Start, t);
  m.handle(Event::Launched, t);
  m.handle(Event::Ready, t);
  auto fx = m.handle(Event::HealthFailed, t + 1s, "failing");
  EXPECT_EQ(m.state(), State::Unhealthy);
  EXPECT_FALSE(fx.send_stop_signal);
  EXPECT_FALSE(m.condemned());
  fx = m.handle(Event::HealthOk, t + 2s);
  EXPECT_EQ(m.state(), State::Running);
  EXPECT_TRUE(m.unhealthy_reason().empty());
}

TEST(ServiceMachineReadiness, WatchdogSendsItsSignal) {
  ServiceMachine m(ready_policy());
  TimePoint t{std::chrono::seconds(100)};
  m.handle(Event::Start, t);
  m.handle(Event::Launched, t);
  m.handle(Event::Ready, t);
  auto fx = m.handle(Event::WatchdogTimeout, t + 3s, "watchdog: no WATCHDOG=1 within 2s");
  EXPECT_TRUE(fx.send_watchdog_signal);
  EXPECT_FALSE(fx.send_stop_signal);
  EXPECT_EQ(m.state(), State::Unhealthy);
  fx = m.exited(t + 3100ms, killed_by(6));
  EXPECT_EQ(m.state(), State::Starting);
  EXPECT_NE(m.history().front().info.description.find("watchdog"), std::string::npos);
}

TEST(ServiceMachineReadiness, StopWhileUnhealthy) {
  ServiceMachine m(ready_policy(Restart::No));
  TimePoint t{std::chrono::seconds(100)};
  m.handle(Event::Start, t);
  m.handle(Event::Launched, t);
  m.handle(Event::Ready, t);
  m.handle(Event::HealthFailed, t, "failing");
  auto fx = m.handle(Event::Stop, t);
  EXPECT_EQ(m.state(), State::Stopping);
  EXPECT_TRUE(fx.send_stop_signal);
  m.exited(t, killed_by(15));
  EXPECT_EQ(m.state(), State::Stopped);
}

}  // namespace
}  // namespace corral::supervise
