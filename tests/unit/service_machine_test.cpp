// SPDX-License-Identifier: Apache-2.0
// The service state machine, driven by a fake clock: no processes, no sleeping.
#include "corral/supervise/service_machine.hpp"

#include <gtest/gtest.h>

namespace corral::supervise {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  TimePoint t{std::chrono::seconds(1000)};
  TimePoint now() const { return t; }
  void advance(Duration d) { t += d; }
};

ExitInfo exit_code(int code) {
  ExitInfo i;
  i.code = code;
  i.description = "exited with code " + std::to_string(code);
  return i;
}

ExitInfo killed(int sig) {
  ExitInfo i;
  i.signal = sig;
  i.description = "killed by signal " + std::to_string(sig);
  return i;
}

Policy quick_policy() {
  Policy p;
  p.restart = Restart::OnFailure;
  p.start_secs = 1000ms;
  p.backoff_initial = 100ms;
  p.backoff_max = 800ms;
  p.start_limit_burst = 5;
  p.start_limit_interval = 10000ms;
  p.stop_timeout = 2000ms;
  return p;
}

TEST(ServiceMachineTable, EveryCellIsDefined) {
  // Spot-check the table against the documented lifecycle.
  EXPECT_EQ(transition(State::Stopped, Event::Start), Action::Launch);
  EXPECT_EQ(transition(State::Starting, Event::StartSecsElapsed), Action::Promote);
  EXPECT_EQ(transition(State::Running, Event::ProcessExited), Action::Exit);
  EXPECT_EQ(transition(State::Running, Event::Stop), Action::BeginStop);
  EXPECT_EQ(transition(State::Stopping, Event::StopTimeout), Action::Kill);
  EXPECT_EQ(transition(State::Backoff, Event::BackoffElapsed), Action::Retry);
  EXPECT_EQ(transition(State::Fatal, Event::Start), Action::Launch);
  // Timer events outside their state are stale and ignored.
  EXPECT_EQ(transition(State::Running, Event::StopTimeout), Action::Ignore);
  EXPECT_EQ(transition(State::Stopped, Event::BackoffElapsed), Action::Ignore);
  EXPECT_EQ(transition(State::Running, Event::StartSecsElapsed), Action::Ignore);
}

TEST(ServiceMachine, StartLaunchedThenRunningAfterStartSecs) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  Effects fx = m.handle(Event::Start, clk.now());
  EXPECT_TRUE(fx.launch);
  EXPECT_EQ(m.state(), State::Starting);
  fx = m.handle(Event::Launched, clk.now());
  ASSERT_TRUE(fx.arm_timer);
  EXPECT_EQ(*fx.arm_timer, 1000ms);
  clk.advance(1000ms);
  fx = m.handle(Event::StartSecsElapsed, clk.now());
  EXPECT_EQ(m.state(), State::Running);
  EXPECT_TRUE(fx.state_changed);
}

TEST(ServiceMachine, ZeroStartSecsIsRunningAtOnce) {
  FakeClock clk;
  Policy p = quick_policy();
  p.start_secs = 0ms;
  ServiceMachine m(p);
  (void)m.handle(Event::Start, clk.now());
  Effects fx = m.handle(Event::Launched, clk.now());
  EXPECT_FALSE(fx.arm_timer);
  EXPECT_EQ(m.state(), State::Running);
}

TEST(ServiceMachine, CrashAfterGoodRunRestartsImmediately) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  clk.advance(1000ms);
  (void)m.handle(Event::StartSecsElapsed, clk.now());
  clk.advance(5000ms);
  Effects fx = m.exited(clk.now(), killed(9));
  EXPECT_TRUE(fx.launch);  // no delay after a good run
  EXPECT_EQ(m.state(), State::Starting);
  EXPECT_EQ(m.restarts(), 1);
  ASSERT_EQ(m.history().size(), 1u);
  EXPECT_EQ(m.history().front().info.signal, 9);
  EXPECT_EQ(m.history().front().run_time, 6000ms);
}

TEST(ServiceMachine, CrashLoopBacksOffExponentiallyThenGoesFatal) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  (void)m.handle(Event::Start, clk.now());
  std::vector<Duration> delays;
  for (int i = 0; i < 10 && m.state() != State::Fatal; ++i) {
    (void)m.handle(Event::Launched, clk.now());
    clk.advance(10ms);
    Effects fx = m.exited(clk.now(), exit_code(1));
    if (m.state() == State::Fatal) break;
    ASSERT_EQ(m.state(), State::Backoff);
    ASSERT_TRUE(fx.arm_timer);
    delays.push_back(*fx.arm_timer);
    clk.advance(*fx.arm_timer);
    fx = m.handle(Event::BackoffElapsed, clk.now());
    EXPECT_TRUE(fx.launch);
  }
  EXPECT_EQ(m.state(), State::Fatal);
  // 5 starts fit in the 10 s window; the 6th is refused.
  ASSERT_EQ(delays.size(), 4u);
  EXPECT_EQ(delays[0], 100ms);
  EXPECT_EQ(delays[1], 200ms);
  EXPECT_EQ(delays[2], 400ms);
  EXPECT_EQ(delays[3], 800ms);
  EXPECT_NE(m.error().find("start limit reached: 5 starts within 10s"), std::string::npos) << m.error();
  EXPECT_NE(m.error().find("exited with code 1"), std::string::npos) << m.error();
}

TEST(ServiceMachine, BackoffIsCappedAtMaximum) {
  FakeClock clk;
  Policy p = quick_policy();
  p.start_limit_burst = 0;  // no limit
  ServiceMachine m(p);
  (void)m.handle(Event::Start, clk.now());
  Duration last{0};
  for (int i = 0; i < 8; ++i) {
    (void)m.handle(Event::Launched, clk.now());
    Effects fx = m.exited(clk.now(), exit_code(2));
    ASSERT_TRUE(fx.arm_timer);
    last = *fx.arm_timer;
    clk.advance(last);
    (void)m.handle(Event::BackoffElapsed, clk.now());
  }
  EXPECT_EQ(last, 800ms);
}

TEST(ServiceMachine, StartsSpreadOverTimeStayUnderTheLimit) {
  FakeClock clk;
  Policy p = quick_policy();
  p.start_limit_burst = 3;
  p.start_limit_interval = 1000ms;
  ServiceMachine m(p);
  (void)m.handle(Event::Start, clk.now());
  for (int i = 0; i < 6; ++i) {
    (void)m.handle(Event::Launched, clk.now());
    clk.advance(1000ms);
    (void)m.handle(Event::StartSecsElapsed, clk.now());
    clk.advance(1000ms);
    Effects fx = m.exited(clk.now(), exit_code(1));
    ASSERT_TRUE(fx.launch) << "restart " << i;
  }
  EXPECT_EQ(m.restarts(), 6);
}

TEST(ServiceMachine, LaunchFailureCountsAsFailedStart) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  (void)m.handle(Event::Start, clk.now());
  Effects fx = m.launch_failed(clk.now(), 0, "exec /nonexistent: No such file or directory");
  EXPECT_EQ(m.state(), State::Backoff);
  EXPECT_TRUE(fx.arm_timer);
  EXPECT_EQ(m.error(), "exec /nonexistent: No such file or directory");
  EXPECT_EQ(m.consecutive_failures(), 1);
  EXPECT_TRUE(m.history().front().info.launch_failed);
}

TEST(ServiceMachine, RestartNoGoesExited) {
  FakeClock clk;
  Policy p = quick_policy();
  p.restart = Restart::No;
  ServiceMachine m(p);
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  Effects fx = m.exited(clk.now(), exit_code(3));
  EXPECT_FALSE(fx.launch);
  EXPECT_EQ(m.state(), State::Exited);
  EXPECT_EQ(m.error(), "exited with code 3");
}

TEST(ServiceMachine, OnFailureDoesNotRestartACleanExit) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  clk.advance(2000ms);
  (void)m.handle(Event::StartSecsElapsed, clk.now());
  Effects fx = m.exited(clk.now(), exit_code(0));
  EXPECT_FALSE(fx.launch);
  EXPECT_EQ(m.state(), State::Exited);
  EXPECT_EQ(m.error(), "");
}

TEST(ServiceMachine, AlwaysRestartsACleanExit) {
  FakeClock clk;
  Policy p = quick_policy();
  p.restart = Restart::Always;
  ServiceMachine m(p);
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  clk.advance(2000ms);
  (void)m.handle(Event::StartSecsElapsed, clk.now());
  Effects fx = m.exited(clk.now(), exit_code(0));
  EXPECT_TRUE(fx.launch);
}

TEST(ServiceMachine, StopSignalsThenKillsAfterTimeout) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  Effects fx = m.handle(Event::Stop, clk.now());
  EXPECT_TRUE(fx.send_stop_signal);
  EXPECT_TRUE(fx.cancel_timer);
  ASSERT_TRUE(fx.arm_timer);
  EXPECT_EQ(*fx.arm_timer, 2000ms);
  EXPECT_EQ(m.state(), State::Stopping);
  clk.advance(2000ms);
  fx = m.handle(Event::StopTimeout, clk.now());
  EXPECT_TRUE(fx.send_kill);
  fx = m.exited(clk.now(), killed(9));
  EXPECT_EQ(m.state(), State::Stopped);
  EXPECT_FALSE(fx.launch);  // a stop is not a crash
  EXPECT_EQ(m.error(), "");
  EXPECT_EQ(m.history().size(), 1u);
}

TEST(ServiceMachine, RestartQueuesStartUntilExit) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  (void)m.handle(Event::Stop, clk.now());
  Effects fx = m.handle(Event::Start, clk.now());
  EXPECT_FALSE(fx.launch);
  EXPECT_TRUE(m.start_queued());
  fx = m.exited(clk.now(), killed(15));
  EXPECT_TRUE(fx.launch);
  EXPECT_EQ(m.state(), State::Starting);
}

TEST(ServiceMachine, StopDuringBackoffCancelsTheRetry) {
  FakeClock clk;
  ServiceMachine m(quick_policy());
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  (void)m.exited(clk.now(), exit_code(1));
  ASSERT_EQ(m.state(), State::Backoff);
  Effects fx = m.handle(Event::Stop, clk.now());
  EXPECT_TRUE(fx.cancel_timer);
  EXPECT_EQ(m.state(), State::Stopped);
  fx = m.handle(Event::BackoffElapsed, clk.now());  // a stale timer
  EXPECT_FALSE(fx.launch);
}

TEST(ServiceMachine, ManualStartFromFatalResetsTheLimit) {
  FakeClock clk;
  Policy p = quick_policy();
  p.start_limit_burst = 1;
  ServiceMachine m(p);
  (void)m.handle(Event::Start, clk.now());
  (void)m.handle(Event::Launched, clk.now());
  (void)m.exited(clk.now(), exit_code(1));
  ASSERT_EQ(m.state(), State::Fatal);
  Effects fx = m.handle(Event::Start, clk.now());
  EXPECT_TRUE(fx.launch);
  EXPECT_EQ(m.error(), "");
  EXPECT_EQ(m.consecutive_failures(), 0);
}

TEST(ServiceMachine, HistoryKeepsTheLastTen) {
  FakeClock clk;
  Policy p = quick_policy();
  p.restart = Restart::Always;
  p.start_limit_burst = 0;
  p.start_secs = 0ms;
  ServiceMachine m(p);
  (void)m.handle(Event::Start, clk.now());
  for (int i = 0; i < 15; ++i) {
    (void)m.handle(Event::Launched, clk.now());
    clk.advance(1ms);
    (void)m.exited(clk.now(), exit_code(i));
  }
  ASSERT_EQ(m.history().size(), ServiceMachine::kHistory);
  EXPECT_EQ(m.history().front().info.code, 14);
  EXPECT_EQ(m.history().back().info.code, 5);
}

TEST(ServiceMachine, NamesRoundTrip) {
  EXPECT_EQ(state_name(State::Backoff), "backoff");
  EXPECT_EQ(parse_restart("on-failure"), Restart::OnFailure);
  EXPECT_FALSE(parse_restart("sometimes"));
  EXPECT_EQ(restart_name(Restart::Always), "always");
}

}  // namespace
}  // namespace corral::supervise

// Re-adoption after a restart of corrald: an explicit event, Stopped -> Running,
// with the restored counters kept.
TEST(ServiceMachineAdopt, AdoptedIsARowOfTheTable) {
  using namespace corral::supervise;
  EXPECT_EQ(transition(State::Stopped, Event::Adopted), Action::Adopt);
  EXPECT_EQ(transition(State::Running, Event::Adopted), Action::Ignore);
  EXPECT_EQ(transition(State::Stopping, Event::Adopted), Action::Ignore);
  EXPECT_EQ(event_name(Event::Adopted), "adopted");
}

TEST(ServiceMachineAdopt, KeepsRestoredCountersAndAppliesThePolicyOnExit) {
  using namespace corral::supervise;
  ServiceMachine m;
  auto t0 = Clock::now();
  std::deque<ExitRecord> hist;
  ExitRecord old;
  old.info.description = "exited with code 3";
  old.info.code = 3;
  hist.push_back(old);
  m.restore(4, 0, {}, hist);
  Effects fx = m.handle(Event::Adopted, t0);
  EXPECT_TRUE(fx.state_changed);
  EXPECT_FALSE(fx.launch);
  EXPECT_EQ(m.state(), State::Running);
  EXPECT_EQ(m.restarts(), 4);
  ASSERT_EQ(m.history().size(), 1u);
  // Corrald is not its parent: the end of an adopted process is a failure of unknown status.
  ExitInfo unknown;
  unknown.description = "exit status unknown (adopted process)";
  unknown.code = -1;
  unknown.launch_failed = true;
  fx = m.exited(t0 + std::chrono::seconds(5), unknown);
  EXPECT_TRUE(fx.launch);  // on-failure restarts it
  EXPECT_EQ(m.restarts(), 5);
  EXPECT_EQ(m.history().front().info.description, "exit status unknown (adopted process)");
}
