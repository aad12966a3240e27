// SPDX-License-Identifier: Apache-2.0
// Live re-exec (issue 10 part 5): a real corrald execs its binary again in
// place (`daemon-reexec`, SIGUSR2) under real services. The services must keep
// their pids and restart counters, stay corrald's children (an exit after the
// re-exec shows its exact code), keep logging without a lost line, and the
// control socket must answer throughout. A failed exec leaves the old corrald
// serving; a hand-over the new binary cannot read makes it take the crash path
// (re-adoption), never start second copies.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "corral/base/file_read.hpp"
#include "daemon_fixture.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

using protocol::Command;

constexpr int kServices = 100;

class ReexecTest : public DaemonFixture {
 protected:
  void TearDown() override {
    if (daemon_pid_ > 0) stop_daemon();
    for (pid_t p : seen_pids_)
      if (process_exists(p) && process_state(p) != 'Z') ::kill(-p, SIGKILL);
    DaemonFixture::TearDown();
  }

  // kServices sleepers (instances of one service), a service that exits with
  // code 42 on SIGUSR1, and one that writes a numbered line every 5 ms.
  std::string config() const {
    return "[service.sleeper]\n"
           "command = \"sleep 100000\"\n"
           "instances = " + std::to_string(kServices) + "\n"
           "stop_timeout = \"2s\"\n"
           "[service.coder]\n"
           "command = [\"/bin/sh\", \"-c\", \"trap 'exit 42' USR1; while :; do sleep 0.05; done\"]\n"
           "restart = \"no\"\n"
           "[service.counter]\n"
           "command = [\"/bin/sh\", \"-c\", \"i=0; while :; do echo $i; i=$((i+1)); sleep 0.005; done\"]\n";
  }

  std::map<std::string, protocol::ServiceStatus> all_running() {
    std::map<std::string, protocol::ServiceStatus> out;
    bool ok = wait_until([&] {
      out.clear();
      for (auto& s : status()) {
        if (s.state != "running" || s.pid <= 0) return false;
        out[s.name] = s;
      }
      return out.size() == kServices + 2;
    }, 30s);
    if (!ok) out.clear();
    return out;
  }

  int generation() {
    auto r = call(Command::Version);
    return r.ok ? r.data.value("generation", -1) : -1;
  }

  protocol::Response reexec() {
    protocol::Request req;
    req.command = Command::DaemonReexec;
    Client c(socket_, 60s);
    if (!c.connected()) return protocol::Response::failure("cannot connect");
    return c.call(req);
  }

  // Every service has the pid and restart count it had.
  void expect_same(const std::map<std::string, protocol::ServiceStatus>& before) {
    auto now = status();
    ASSERT_EQ(now.size(), before.size());
    for (const auto& s : now) {
      auto it = before.find(s.name);
      ASSERT_NE(it, before.end()) << s.name;
      EXPECT_EQ(s.pid, it->second.pid) << s.name;
      EXPECT_EQ(s.restarts, it->second.restarts) << s.name;
      EXPECT_EQ(s.state, "running") << s.name;
    }
  }

  // The numbers in counter.log: 0, 1, 2, ... with none missing or repeated.
  void expect_counter_contiguous(int at_least) {
    std::string text;
    ASSERT_TRUE(wait_until([&] {
      auto t = read_file(log_dir_ + "/counter.log");
      text = t ? *t : std::string();
      std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
      return lines >= static_cast<std::size_t>(at_least);
    }, 20s)) << "counter.log has too few lines";
    text.resize(text.rfind('\n') + 1);  // a line being written is not checked yet
    std::istringstream in(text);
    std::string line;
    int expect = 0;
    while (std::getline(in, line)) {
      ASSERT_EQ(line, std::to_string(expect)) << "line " << expect << " of counter.log";
      ++expect;
    }
  }

  int counter_lines() {
    auto t = read_file(log_dir_ + "/counter.log");
    return t ? static_cast<int>(std::count(t->begin(), t->end(), '\n')) : 0;
  }
};

TEST_F(ReexecTest, HundredServicesKeepPidsCountersAndExactExitStatus) {
  start_daemon(config());
  auto before = all_running();
  ASSERT_EQ(before.size(), static_cast<std::size_t>(kServices + 2)) << daemon_stderr();
  const pid_t corrald = daemon_pid_;

  auto r = reexec();
  ASSERT_TRUE(r.ok) << r.error << "\n" << daemon_stderr();
  EXPECT_EQ(r.data.value("pid", 0), corrald);
  EXPECT_EQ(r.data.value("generation", 0), 1);
  EXPECT_EQ(r.data.value("services", 0), kServices + 2);
  EXPECT_FALSE(daemon_exited()) << daemon_stderr();
  EXPECT_EQ(daemon_pid_, corrald);
  expect_same(before);
  EXPECT_EQ(generation(), 1);

  // Still corrald's child: its exit code is known exactly, not "unknown".
  protocol::Request sig;
  sig.command = Command::Signal;
  sig.names = {"coder"};
  sig.signal = "USR1";
  ASSERT_TRUE(call(sig).ok);
  ASSERT_TRUE(wait_state("coder", "exited")) << status_of("coder").state;
  EXPECT_EQ(status_of("coder").last_exit, "exited with code 42");

  // A second re-exec in a row works the same way.
  r = reexec();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data.value("generation", 0), 2);
  EXPECT_EQ(status_of("sleeper@7").pid, before["sleeper@7"].pid);
  // Not started again, its last exit kept. (Its state reads "stopped" now, not
  // "exited": the state machine has no way in to Exited but through a process.)
  EXPECT_EQ(status_of("coder").pid, 0);
  EXPECT_EQ(status_of("coder").last_exit, "exited with code 42");
}

TEST_F(ReexecTest, LogLinesKeepFlowingWithNoneLost) {
  start_daemon(config());
  ASSERT_FALSE(all_running().empty()) << daemon_stderr();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_until([&] { return counter_lines() >= 20 * (i + 1); }, 20s));
    auto r = reexec();
    ASSERT_TRUE(r.ok) << r.error;
  }
  const int after = counter_lines();
  expect_counter_contiguous(after + 100);  // lines written after the last re-exec arrive too
}

TEST_F(ReexecTest, ControlRequestsDuringReexecAreAnswered) {
  start_daemon(config());
  auto before = all_running();
  ASSERT_FALSE(before.empty()) << daemon_stderr();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, failed{0};
  std::string first_failure;
  std::thread poller([&] {
    while (!stop) {
      Client c(socket_, 30s);
      protocol::Request req;
      req.command = Command::Status;
      auto r = c.connected() ? c.call(req) : protocol::Response::failure("connect refused");
      if (r.ok && r.data.is_array() && r.data.size() == kServices + 2) {
        ++answered;
      } else if (failed++ == 0) {
        first_failure = r.error;
      }
    }
  });
  for (int i = 0; i < 5; ++i) {
    auto r = reexec();
    EXPECT_TRUE(r.ok) << r.error;
  }
  stop = true;
  poller.join();
  EXPECT_EQ(failed.load(), 0) << "first failure: " << first_failure;
  EXPECT_GT(answered.load(), 0);
  EXPECT_EQ(generation(), 5);
  expect_same(before);
}

TEST_F(ReexecTest, AWaitingStopAndALogFollowerAreCarriedOver) {
  start_daemon(config() +
               "[service.stubborn]\n"
               "command = [\"/bin/sh\", \"-c\", \"trap '' TERM; while :; do sleep 0.05; done\"]\n"
               "stop_timeout = \"1500ms\"\n");
  ASSERT_TRUE(wait_state("stubborn", "running")) << daemon_stderr();
  const pid_t stubborn = status_of("stubborn").pid;

  Client follower(socket_);
  protocol::Request follow;
  follow.command = Command::Logs;
  follow.names = {"counter"};
  follow.lines = 1;
  follow.follow = true;
  ASSERT_TRUE(follower.call(follow).ok);

  // The stop ignores SIGTERM: its reply waits for the SIGKILL after stop_timeout.
  Client stopper(socket_);
  protocol::Request stop;
  stop.command = Command::Stop;
  stop.names = {"stubborn"};
  ASSERT_TRUE(stopper.send_raw(protocol::encode(stop)));
  ASSERT_TRUE(wait_state("stubborn", "stopping"));

  auto r = reexec();
  ASSERT_TRUE(r.ok) << r.error;
  // The stop goes on in the new corrald, and the waiting client gets its reply.
  auto reply = protocol::decode_response(stopper.read_line());
  ASSERT_TRUE(reply.ok()) << "no reply to the stop";
  EXPECT_TRUE(reply->ok) << reply->error;
  EXPECT_FALSE(process_exists(stubborn) && process_state(stubborn) != 'Z');
  EXPECT_EQ(status_of("stubborn").state, "stopped");
  // The follower still gets the counter's lines, written after the re-exec.
  const std::string later = "\n" + std::to_string(counter_lines() + 20) + "\n";
  std::string seen;
  while (seen.find(later) == std::string::npos) {
    std::string line = follower.read_line();
    ASSERT_FALSE(line.empty()) << "the log follower was cut off before line" << later;
    auto chunk = protocol::decode_log_chunk(line);
    ASSERT_TRUE(chunk.ok()) << line;
    seen += *chunk;
  }
}

TEST_F(ReexecTest, Sigusr2ReexecutesTheSameWay) {
  start_daemon(config());
  auto before = all_running();
  ASSERT_FALSE(before.empty()) << daemon_stderr();
  ASSERT_EQ(::kill(daemon_pid_, SIGUSR2), 0);
  ASSERT_TRUE(wait_until([&] { return generation() == 1; })) << daemon_stderr();
  EXPECT_FALSE(daemon_exited());
  expect_same(before);
}

TEST_F(ReexecTest, FailedExecLeavesTheOldCorraldServing) {
  // A copy of corrald, renamed away after it started: the exec by path fails.
  std::filesystem::create_directories(dir_ + "/bin");
  corrald_bin_ = dir_ + "/bin/corrald";
  std::filesystem::copy_file(program_dir() + "/daemon/corrald", corrald_bin_);
  start_daemon(config());
  auto before = all_running();
  ASSERT_FALSE(before.empty()) << daemon_stderr();
  std::filesystem::rename(corrald_bin_, corrald_bin_ + ".moved");

  auto r = reexec();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("corrald goes on"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("No such file or directory"), std::string::npos) << r.error;
  EXPECT_FALSE(daemon_exited()) << daemon_stderr();
  EXPECT_EQ(generation(), 0);
  expect_same(before);

  // And once the binary is back, the re-exec works.
  std::filesystem::rename(corrald_bin_ + ".moved", corrald_bin_);
  r = reexec();
  EXPECT_TRUE(r.ok) << r.error;
  expect_same(before);
}

// The old corrald checks the config only when its files changed since it
// loaded them: an edit that breaks it is refused with the place, and the same
// files once mended re-execute.
TEST_F(ReexecTest, AConfigEditedSinceTheLoadIsCheckedAndABrokenOneRefused) {
  start_daemon(config());
  auto before = all_running();
  ASSERT_FALSE(before.empty()) << daemon_stderr();
  std::filesystem::create_directories(dir_ + "/conf.d");
  { std::ofstream(dir_ + "/conf.d/broken.toml") << "[service.x]\ncommand = 42\n"; }

  auto r = reexec();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("the config does not load"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("conf.d/broken.toml:2:"), std::string::npos) << r.error;
  EXPECT_FALSE(daemon_exited()) << daemon_stderr();
  EXPECT_EQ(generation(), 0);
  expect_same(before);

  std::filesystem::remove(dir_ + "/conf.d/broken.toml");
  r = reexec();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(wait_until([&] { return generation() == 1; })) << daemon_stderr();
  expect_same(before);
}

TEST_F(ReexecTest, UnreadableHandoverTakesTheCrashPathWithoutDuplicates) {
  // The "new binary" garbles the hand-over before running corrald: the new
  // corrald must adopt the services (same pids, one copy), not start others.
  std::filesystem::create_directories(dir_ + "/bin");
  corrald_bin_ = dir_ + "/bin/corrald";
  std::filesystem::copy_file(program_dir() + "/daemon/corrald", corrald_bin_);
  start_daemon(config());
  auto before = all_running();
  ASSERT_FALSE(before.empty()) << daemon_stderr();
  {
    std::ofstream w(corrald_bin_ + ".new");
    w << "#!/bin/bash\n"
         "prev=\n"
         "for a in \"$@\"; do [ \"$prev\" = --handover ] && printf 'not a hand-over' >/proc/self/fd/$a; prev=$a; done\n"
         "exec " + program_dir() + "/daemon/corrald \"$@\"\n";
  }
  ::chmod((corrald_bin_ + ".new").c_str(), 0755);
  std::filesystem::rename(corrald_bin_ + ".new", corrald_bin_);

  // The client that asked loses its connection (the crash path knows nothing
  // of it); the new corrald must come up serving on the same socket.
  (void)reexec();
  ASSERT_TRUE(wait_until([&] { return generation() == 0 && status().size() == before.size(); }, 20s))
      << daemon_stderr();
  EXPECT_FALSE(daemon_exited()) << daemon_stderr();
  EXPECT_NE(daemon_stderr().find("taking the crash path"), std::string::npos) << daemon_stderr();
  for (const auto& s : status()) {
    if (s.name == "counter" || s.name == "coder") continue;
    EXPECT_EQ(s.pid, before[s.name].pid) << s.name;
    EXPECT_EQ(s.restarts, 0) << s.name;
  }
}

}  // namespace
}  // namespace corral::testing
