// SPDX-License-Identifier: Apache-2.0
// corrald outlives itself: kill -9 of a real corrald while real services run,
// then a new corrald on the same config, state dir and cgroup subtree, which
// must take the services back (same pids, no second copies) and act on what
// changed during the gap.
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "corral/base/file_read.hpp"
#include "daemon_fixture.hpp"

namespace corral::testing {
namespace {

using protocol::Command;

std::vector<std::string> cmdline_of(pid_t pid) {
  // read_file, not an ifstream: a process that ends mid-read is a read error, not an exception.
  auto text = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  const std::string all = text ? *text : std::string();
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i] == '\0') {
      out.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

// Live (non-zombie) processes running `sleep MARKER`.
std::vector<pid_t> sleepers(const std::string& marker) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    auto argv = cmdline_of(pid);
    if (argv.size() == 2 && argv[0] == "sleep" && argv[1] == marker) {
      char st = process_state(pid);
      if (st != 0 && st != 'Z') out.push_back(pid);
    }
  }
  ::closedir(d);
  return out;
}

// Alive and not a zombie (an orphan's zombie waits for whoever adopted it).
bool alive(pid_t pid) {
  char st = process_state(pid);
  return st != 0 && st != 'Z' && st != 'X';
}

class AdoptTest : public DaemonFixture {
 protected:
  void SetUp() override {
    DaemonFixture::SetUp();
    // Markers unique to this run: parallel runs never count each other's sleeps.
    const int base = 200000 + (::getpid() % 100000) * 10;
    for (int i = 0; i < 6; ++i) marker_[i] = std::to_string(base + i);
    cgroup_name_ = "corral-adopt-" + std::to_string(::getpid()) + "-" + std::to_string(++runs_);
  }
  void TearDown() override {
    if (daemon_pid_ > 0) stop_daemon();
    // Whatever a failed test left behind, by the pids this test saw.
    for (pid_t p : seen_pids_)
      if (process_exists(p)) ::kill(-p, SIGKILL);
    for (const auto& m : marker_)
      for (pid_t p : sleepers(m)) ::kill(p, SIGKILL);
    DaemonFixture::TearDown();
    remove_cgroup_subtree();
  }

  // A test that ends with corrald killed leaves its (by now empty) cgroup
  // subtree behind: remove it in every hierarchy, deepest first.
  void remove_cgroup_subtree() {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> found;
    for (fs::recursive_directory_iterator it("/sys/fs/cgroup", fs::directory_options::skip_permission_denied, ec), end;
         it != end; it.increment(ec)) {
      if (ec) break;
      if (it.depth() > 3) it.disable_recursion_pending();
      if (it->is_directory(ec) && it->path().filename() == cgroup_name_) {
        found.push_back(it->path());
        it.disable_recursion_pending();
      }
    }
    for (const auto& root : found) {
      std::vector<fs::path> dirs;
      for (fs::recursive_directory_iterator it(root, ec), end; it != end; it.increment(ec)) {
        if (ec) break;
        if (it->is_directory(ec)) dirs.push_back(it->path());
      }
      std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
        return a.string().size() > b.string().size();
      });
      for (const auto& d : dirs) ::rmdir(d.c_str());
      ::rmdir(root.c_str());
    }
  }

  void start(const std::string& toml) { start_daemon(toml, {"--cgroup-name", cgroup_name_}); }

  void kill9() {
    ASSERT_GT(daemon_pid_, 0);
    ::kill(daemon_pid_, SIGKILL);
    int st = 0;
    ::waitpid(daemon_pid_, &st, 0);
    daemon_pid_ = -1;
  }

  std::string state_file() const { return dir_ + "/state/corrald.state"; }

  // The state file reflects the running services (it is written shortly after a change).
  bool state_written_with(pid_t pid) {
    return wait_until([&] {
      std::ifstream f(state_file());
      std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      return s.find("\"pid\":" + std::to_string(pid) + ",") != std::string::npos;
    });
  }

  std::string sleeper_service(const std::string& name, const std::string& marker, const std::string& extra = "") {
    return "[service." + name + "]\ncommand = [\"sleep\", \"" + marker + "\"]\nstop_timeout = \"1s\"\n" + extra + "\n";
  }
  // A shell that ignores SIGTERM, with two sleeping children.
  std::string stubborn_service(const std::string& name, const std::string& marker) {
    return "[service." + name + "]\ncommand = [\"sh\", \"-c\", \"trap '' TERM; sleep " + marker + " & sleep " +
           marker + " & wait; wait\"]\nstop_timeout = \"1s\"\n\n";
  }

  std::string marker_[6];
  std::string cgroup_name_;
  static inline int runs_ = 0;
};

TEST_F(AdoptTest, KillNineThenRestartKeepsTheSamePidsAndNoDuplicates) {
  const std::string toml = sleeper_service("plain", marker_[0], "instances = 2") +
                           stubborn_service("stubborn", marker_[1]) + sleeper_service("idle", marker_[2], "autostart = false");
  start(toml);
  ASSERT_TRUE(wait_state("plain@0", "running") && wait_state("plain@1", "running") && wait_state("stubborn", "running"))
      << daemon_stderr();
  ASSERT_TRUE(wait_until([&] { return sleepers(marker_[1]).size() == 2; }));
  std::map<std::string, pid_t> before;
  for (auto& s : status()) before[s.name] = s.pid;
  ASSERT_TRUE(state_written_with(before["stubborn"]));

  kill9();
  // The services outlive corrald (no parent-death signal by default).
  for (const auto& [name, pid] : before) {
    if (pid > 0) {
      EXPECT_TRUE(alive(pid)) << name;
    }
  }

  start(toml);
  for (const auto& [name, pid] : before) {
    auto s = status_of(name);
    EXPECT_EQ(s.pid, pid) << name << "\n" << daemon_stderr();
    EXPECT_EQ(s.state, pid > 0 ? "running" : "stopped") << name;
  }
  EXPECT_EQ(sleepers(marker_[0]).size(), 2u);
  EXPECT_EQ(sleepers(marker_[1]).size(), 2u);
  EXPECT_EQ(sleepers(marker_[2]).size(), 0u);
  EXPECT_NE(daemon_stderr().find("stubborn: adopted pid " + std::to_string(before["stubborn"])), std::string::npos)
      << daemon_stderr();

  // A stop of an adopted service still ends it all, children and TERM-ignorers included.
  auto r = call(Command::Stop, {"stubborn", "plain"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(wait_until([&] { return sleepers(marker_[1]).empty() && sleepers(marker_[0]).empty(); }));
  EXPECT_FALSE(alive(before["stubborn"]));
}

TEST_F(AdoptTest, AServiceThatDiedDuringTheGapIsRestartedByItsPolicy) {
  const std::string toml = sleeper_service("a", marker_[0]) + sleeper_service("b", marker_[1]);
  start(toml);
  ASSERT_TRUE(wait_state("a", "running") && wait_state("b", "running"));
  pid_t a = status_of("a").pid, b = status_of("b").pid;
  ASSERT_TRUE(state_written_with(a) && state_written_with(b));
  kill9();
  ::kill(a, SIGKILL);
  ASSERT_TRUE(wait_until([&] { return sleepers(marker_[0]).empty(); }));
  start(toml);
  ASSERT_TRUE(wait_until([&] {
    auto s = status_of("a");
    return s.state == "running" && s.pid > 0 && s.pid != a;
  })) << daemon_stderr();
  auto s = status_of("a");
  EXPECT_EQ(s.last_exit, "ended while corrald was down (exit status unknown)");
  EXPECT_EQ(s.restarts, 1);
  EXPECT_EQ(status_of("b").pid, b);
  EXPECT_EQ(sleepers(marker_[0]).size(), 1u);
  EXPECT_EQ(sleepers(marker_[1]).size(), 1u);
}

TEST_F(AdoptTest, AnAdoptedProcessThatEndsIsAFailureOfUnknownStatus) {
  const std::string toml = sleeper_service("a", marker_[0]);
  start(toml);
  ASSERT_TRUE(wait_state("a", "running"));
  pid_t a = status_of("a").pid;
  ASSERT_TRUE(state_written_with(a));
  kill9();
  start(toml);
  ASSERT_EQ(status_of("a").pid, a) << daemon_stderr();
  ::kill(a, SIGKILL);  // not corrald's child any more: it cannot see the status
  ASSERT_TRUE(wait_until([&] {
    auto s = status_of("a");
    return s.state == "running" && s.pid > 0 && s.pid != a;
  })) << daemon_stderr();
  EXPECT_EQ(status_of("a").last_exit, "exit status unknown (adopted process, not a child of this corrald)");
  EXPECT_EQ(sleepers(marker_[0]).size(), 1u);
}

TEST_F(AdoptTest, AConfigChangedDuringTheGapRestartsThatServiceOnly) {
  start(sleeper_service("a", marker_[0]) + sleeper_service("b", marker_[1]));
  ASSERT_TRUE(wait_state("a", "running") && wait_state("b", "running"));
  pid_t a = status_of("a").pid, b = status_of("b").pid;
  ASSERT_TRUE(state_written_with(a) && state_written_with(b));
  kill9();
  start(sleeper_service("a", marker_[2]) + sleeper_service("b", marker_[1]));
  ASSERT_TRUE(wait_until([&] { return sleepers(marker_[0]).empty() && sleepers(marker_[2]).size() == 1; }))
      << daemon_stderr();
  ASSERT_TRUE(wait_state("a", "running"));
  EXPECT_NE(status_of("a").pid, a);
  EXPECT_EQ(cmdline_of(status_of("a").pid), (std::vector<std::string>{"sleep", marker_[2]}));
  EXPECT_EQ(status_of("b").pid, b);
  EXPECT_NE(daemon_stderr().find("a: its config changed while corrald was down"), std::string::npos);
}

TEST_F(AdoptTest, ACorruptStateFileIsReportedAndTheCgroupsStillTell) {
  const std::string toml = sleeper_service("a", marker_[0]) + stubborn_service("b", marker_[1]);
  start(toml);
  ASSERT_TRUE(wait_state("a", "running") && wait_state("b", "running"));
  pid_t a = status_of("a").pid, b = status_of("b").pid;
  ASSERT_TRUE(state_written_with(a) && state_written_with(b));
  kill9();
  {
    std::ofstream f(state_file(), std::ios::trunc);
    f << "{\"format\":1,\"services\":[{\"name\":\"a\",\"pi";  // torn
  }
  start(toml);
  EXPECT_EQ(status_of("a").pid, a) << daemon_stderr();  // answered: its start-up is over
  EXPECT_NE(daemon_stderr().find("state file ignored"), std::string::npos) << daemon_stderr();
  EXPECT_EQ(status_of("b").pid, b);
  EXPECT_EQ(sleepers(marker_[0]).size(), 1u);
  EXPECT_EQ(sleepers(marker_[1]).size(), 2u);
}

TEST_F(AdoptTest, StoppedByHandStaysStoppedAndSuspendedStaysSuspended) {
  const std::string toml = sleeper_service("a", marker_[0]) + sleeper_service("b", marker_[1]) +
                           sleeper_service("c", marker_[2]);
  start(toml);
  ASSERT_TRUE(wait_state("a", "running") && wait_state("b", "running") && wait_state("c", "running"));
  ASSERT_TRUE(call(Command::Stop, {"a"}).ok);
  ASSERT_TRUE(call(Command::Suspend, {"c"}).ok);
  pid_t b = status_of("b").pid, c = status_of("c").pid;
  ASSERT_TRUE(wait_until([&] {
    std::ifstream f(state_file());
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return s.find("\"intent\":\"suspended\"") != std::string::npos &&
           s.find("\"intent\":\"stopped\"") != std::string::npos;
  }));
  kill9();
  start(toml);
  EXPECT_EQ(status_of("a").state, "stopped") << daemon_stderr();
  EXPECT_TRUE(sleepers(marker_[0]).empty());
  EXPECT_EQ(status_of("b").pid, b);
  auto sc = status_of("c");
  EXPECT_EQ(sc.pid, c);
  EXPECT_NE(sc.state.find("Suspend"), std::string::npos) << sc.state;
  ASSERT_TRUE(call(Command::Resume, {"c"}).ok);
}

TEST_F(AdoptTest, KilledDuringAStopEscalationTheStopGoesOn) {
  const std::string toml = "[service.s]\ncommand = [\"sh\", \"-c\", \"trap '' TERM; sleep " + marker_[0] +
                           " & wait; wait\"]\nstop_timeout = \"2s\"\n";
  start(toml);
  ASSERT_TRUE(wait_state("s", "running"));
  pid_t s = status_of("s").pid;
  ASSERT_TRUE(state_written_with(s));
  // Ask for the stop without waiting for its reply, then kill corrald mid-escalation.
  Client c(socket_);
  protocol::Request req;
  req.command = Command::Stop;
  req.names = {"s"};
  ASSERT_TRUE(c.send_raw(protocol::encode(req)));
  ASSERT_TRUE(wait_until([&] {
    std::ifstream f(state_file());
    std::string t((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return t.find("\"state\":\"stopping\"") != std::string::npos;
  }));
  kill9();
  EXPECT_TRUE(alive(s));  // it ignores SIGTERM
  start(toml);
  ASSERT_TRUE(wait_until([&] { return !alive(s) && sleepers(marker_[0]).empty(); }, 10s)) << daemon_stderr();
  EXPECT_TRUE(wait_state("s", "stopped"));
}

TEST_F(AdoptTest, KilledInARestartStormEachServiceComesBackOnce) {
  const std::string toml = sleeper_service("steady", marker_[0]) +
                           "[service.crashy]\ncommand = [\"sh\", \"-c\", \"sleep 0.05; exit 3\"]\nstart_secs = \"0\"\n"
                           "backoff_initial = \"10ms\"\nbackoff_max = \"50ms\"\nstart_limit_burst = 1000\n";
  start(toml);
  ASSERT_TRUE(wait_state("steady", "running"));
  pid_t steady = status_of("steady").pid;
  ASSERT_TRUE(wait_until([&] { return status_of("crashy").restarts >= 5; }));
  ASSERT_TRUE(state_written_with(steady));
  kill9();
  start(toml);
  EXPECT_EQ(status_of("steady").pid, steady) << daemon_stderr();
  EXPECT_EQ(sleepers(marker_[0]).size(), 1u);
  const int restarts = status_of("crashy").restarts;
  EXPECT_GE(restarts, 5);  // the count survived
  ASSERT_TRUE(wait_until([&] { return status_of("crashy").restarts > restarts; }));
}

TEST_F(AdoptTest, KilledInAReloadTheNewConfigWins) {
  start(sleeper_service("a", marker_[0]));
  ASSERT_TRUE(wait_state("a", "running"));
  ASSERT_TRUE(state_written_with(status_of("a").pid));
  write_config(sleeper_service("a", marker_[1]));
  ::kill(daemon_pid_, SIGHUP);
  kill9();  // somewhere in (or before) the reload
  start(sleeper_service("a", marker_[1]));
  ASSERT_TRUE(wait_until([&] { return sleepers(marker_[0]).empty() && sleepers(marker_[1]).size() == 1; }))
      << daemon_stderr();
  ASSERT_TRUE(wait_state("a", "running"));
  EXPECT_EQ(cmdline_of(status_of("a").pid), (std::vector<std::string>{"sleep", marker_[1]}));
}

TEST_F(AdoptTest, WhatNoConfiguredServiceClaimsIsStopped) {
  start(sleeper_service("keep", marker_[0]) + stubborn_service("gone", marker_[1]));
  ASSERT_TRUE(wait_state("keep", "running") && wait_state("gone", "running"));
  pid_t keep = status_of("keep").pid, gone = status_of("gone").pid;
  ASSERT_TRUE(state_written_with(keep) && state_written_with(gone));
  kill9();
  start(sleeper_service("keep", marker_[0]));
  EXPECT_EQ(status_of("keep").pid, keep);
  // TERM (ignored by the shell), then SIGKILL after the grace period: nothing left.
  ASSERT_TRUE(wait_until([&] { return !alive(gone) && sleepers(marker_[1]).empty(); }, 10s))
      << daemon_stderr();
  EXPECT_NE(daemon_stderr().find("gone (no longer configured)"), std::string::npos) << daemon_stderr();
  EXPECT_EQ(sleepers(marker_[0]).size(), 1u);
}

TEST_F(AdoptTest, WithoutCgroupsIdentityIsPidStartTimeAndGroup) {
  const std::string toml = "[daemon]\nfair_share = \"off\"\n\n" + sleeper_service("a", marker_[0]) +
                           stubborn_service("b", marker_[1]);
  start(toml);
  ASSERT_TRUE(wait_state("a", "running") && wait_state("b", "running"));
  pid_t a = status_of("a").pid, b = status_of("b").pid;
  ASSERT_TRUE(state_written_with(a) && state_written_with(b));
  kill9();
  start(toml);
  EXPECT_EQ(status_of("a").pid, a) << daemon_stderr();
  EXPECT_EQ(status_of("b").pid, b);
  EXPECT_EQ(sleepers(marker_[0]).size(), 1u);
  EXPECT_EQ(sleepers(marker_[1]).size(), 2u);
  auto r = call(Command::Stop, {"b"});
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(wait_until([&] { return sleepers(marker_[1]).empty(); }));
}

TEST_F(AdoptTest, ParentDeathSignalIsThereForThoseWhoWantIt) {
  start(sleeper_service("a", marker_[0], "parent_death_signal = \"TERM\"") + sleeper_service("b", marker_[1]));
  ASSERT_TRUE(wait_state("a", "running") && wait_state("b", "running"));
  pid_t a = status_of("a").pid, b = status_of("b").pid;
  auto show = call(Command::Show, {"a"});
  ASSERT_TRUE(show.ok);
  EXPECT_EQ(show.data["settings"]["parent_death_signal"], "SIGTERM");
  kill9();
  EXPECT_TRUE(wait_until([&] { return !alive(a) || process_state(a) == 'Z'; }));
  EXPECT_TRUE(alive(b));
  ::kill(b, SIGKILL);
}

TEST_F(AdoptTest, ACleanShutdownLeavesNoStateAndNoProcess) {
  start(sleeper_service("a", marker_[0]));
  ASSERT_TRUE(wait_state("a", "running"));
  ASSERT_TRUE(state_written_with(status_of("a").pid));
  stop_daemon();
  EXPECT_NE(::access(state_file().c_str(), F_OK), 0);
  EXPECT_TRUE(sleepers(marker_[0]).empty());
}

}  // namespace
}  // namespace corral::testing
