// SPDX-License-Identifier: Apache-2.0
// corrald's periodic deadlock check ([daemon] deadlock_check) with a real daemon and
// real deadlocks from corral-demo-deadlock run as services: `status` marks the
// deadlocked service (never its benign twin), the daemon log names the deadlock once,
// `corralctl waits --service` reports exactly the demo's pids, stopping the service
// ends the demo's whole process group, and deadlock_action = "restart-victim"
// restarts the service so that its old, deadlocked processes are gone.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "daemon_fixture.hpp"
#include "event_reader.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

using protocol::Command;

const std::string kDemo = program_dir() + "/examples/corral-demo-deadlock";
const std::string kCtl = program_dir() + "/tools/corralctl";

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// The pids the demo printed ("pids: 1 2") in the first run recorded in its log.
std::vector<pid_t> demo_pids(const std::string& log) {
  std::vector<pid_t> pids;
  auto pos = log.find("pids:");
  if (pos == std::string::npos) return pids;
  std::istringstream in(log.substr(pos + 5, log.find('\n', pos) - pos - 5));
  pid_t p;
  while (in >> p) pids.push_back(p);
  std::sort(pids.begin(), pids.end());
  return pids;
}

// Gone, or a zombie nobody has reaped yet: either way it holds nothing.
bool gone(pid_t pid) {
  char st = process_state(pid);
  return st == 0 || st == 'Z' || st == 'X';
}

// Runs corralctl with args; returns its exit code, stdout in `out` (deadline 60 s).
int run_ctl(const std::vector<std::string>& args, std::string& out) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  std::vector<std::string> all = {kCtl};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  auto end = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    pollfd pfd{p[0], POLLIN, 0};
    if (::poll(&pfd, 1, 100) > 0) {
      char buf[4096];
      ssize_t n = ::read(p[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    if (std::chrono::steady_clock::now() > end) {
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class DaemonDeadlockTest : public DaemonFixture {
 protected:
  // Two services: a real flock deadlock and its benign twin, lock files in our temp dir.
  std::string config(const std::string& daemon_keys) {
    std::string demo = "\"" + kDemo + "\", \"--kind\", \"flock\", \"--procs\", \"2\", \"--dir\", \"" + dir_ + "\"";
    return "[daemon]\n" + daemon_keys + "\n[service." + dl_ + "]\ncommand = [" + demo +
           "]\nstart_secs = \"0\"\nstop_timeout = \"5s\"\n\n[service." + ok_ + "]\ncommand = [" + demo +
           ", \"--benign\"]\nstart_secs = \"0\"\n";
  }
  bool ready(const std::string& name) {
    return wait_until([&] { return read_text(log_dir_ + "/" + name + ".log").find("ready") != std::string::npos; },
                      30s);
  }

  const std::string dl_ = "dl-" + std::to_string(::getpid());
  const std::string ok_ = "ok-" + std::to_string(::getpid());
};

TEST_F(DaemonDeadlockTest, StatusMarksTheDeadlockedServiceAndTheLogNamesItOnce) {
  start_daemon(config("deadlock_check = \"1s\""));
  EventReader events(socket_, {dl_});
  ASSERT_TRUE(events.reply().ok) << events.reply().error;
  ASSERT_TRUE(wait_state(dl_, "running")) << daemon_stderr();
  ASSERT_TRUE(wait_state(ok_, "running")) << daemon_stderr();
  ASSERT_TRUE(ready(dl_)) << read_text(log_dir_ + "/" + dl_ + ".log");
  ASSERT_TRUE(ready(ok_)) << read_text(log_dir_ + "/" + ok_ + ".log");
  std::vector<pid_t> kids = demo_pids(read_text(log_dir_ + "/" + dl_ + ".log"));
  ASSERT_EQ(kids.size(), 2u);
  pid_t leader = status_of(dl_).pid;

  ASSERT_TRUE(wait_until([&] { return status_of(dl_).deadlock; }, 30s)) << daemon_stderr();
  EXPECT_FALSE(status_of(ok_).deadlock);
  auto is_deadlock = [&](const nlohmann::json& e, const char* to) {
    return e.value("kind", "") == "deadlock" && e.value("service", "") == dl_ && e.value("to", "") == to;
  };
  // The event stream says so, once, naming the processes.
  auto seen = events.until([&](const nlohmann::json& e) { return is_deadlock(e, "found"); });
  ASSERT_FALSE(seen.empty());
  ASSERT_TRUE(is_deadlock(seen.back(), "found")) << seen.back().dump();
  for (pid_t k : kids) EXPECT_NE(seen.back().value("reason", "").find(std::to_string(k)), std::string::npos);
  // The log names the service, its pids and the lock files.
  std::string log = daemon_stderr();
  ASSERT_EQ(count_of(log, "deadlock found"), 1u) << log;
  EXPECT_NE(log.find("services " + dl_), std::string::npos) << log;
  for (pid_t k : kids) EXPECT_NE(log.find(std::to_string(k) + " ("), std::string::npos) << log;
  EXPECT_NE(log.find("corral-deadlock-"), std::string::npos) << log;

  // Several more periods: still marked, still one log line, the twin never marked.
  auto end = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < end) {
    EXPECT_TRUE(status_of(dl_).deadlock);
    EXPECT_FALSE(status_of(ok_).deadlock);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(count_of(daemon_stderr(), "deadlock found"), 1u) << daemon_stderr();
  EXPECT_EQ(status_of(dl_).pid, leader);  // the default action only logs

  // The table marks it too; --json carries the field.
  std::string out;
  EXPECT_EQ(run_ctl({"--socket", socket_, "status"}, out), 0);
  EXPECT_NE(out.find("DEADLOCKED"), std::string::npos) << out;
  EXPECT_EQ(count_of(out, "DEADLOCKED"), 1u) << out;

  // waits --service: exactly the demo's pids; nothing for the twin.
  out.clear();
  EXPECT_EQ(run_ctl({"--socket", socket_, "waits", "--service", dl_, "--json"}, out), 4);
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  ASSERT_EQ(j["deadlocks"].size(), 1u) << out;
  auto pids = j["deadlocks"][0]["processes"].get<std::vector<pid_t>>();
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(pids, kids);
  out.clear();
  EXPECT_EQ(run_ctl({"--socket", socket_, "waits", "--service", ok_, "--json"}, out), 0);
  j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_TRUE(j["deadlocks"].empty()) << out;

  // Stopping the service ends the demo's whole process group, children included.
  auto r = call(Command::Stop, {dl_});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(wait_until([&] { return gone(leader) && gone(kids[0]) && gone(kids[1]); }));
  EXPECT_FALSE(status_of(dl_).deadlock);
  // ... and that it cleared, with no second "found" in between.
  seen = events.until([&](const nlohmann::json& e) { return is_deadlock(e, "cleared") || is_deadlock(e, "found"); });
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(is_deadlock(seen.back(), "cleared")) << seen.back().dump();
}

TEST_F(DaemonDeadlockTest, RestartVictimGivesTheServiceANewPidAndEndsTheOldProcesses) {
  start_daemon(config("deadlock_check = \"1s\"\ndeadlock_action = \"restart-victim\""));
  ASSERT_TRUE(wait_state(dl_, "running")) << daemon_stderr();
  ASSERT_TRUE(ready(dl_)) << read_text(log_dir_ + "/" + dl_ + ".log");
  ASSERT_TRUE(ready(ok_)) << read_text(log_dir_ + "/" + ok_ + ".log");
  pid_t old_leader = status_of(dl_).pid;
  pid_t twin = status_of(ok_).pid;
  std::vector<pid_t> old_kids = demo_pids(read_text(log_dir_ + "/" + dl_ + ".log"));
  ASSERT_EQ(old_kids.size(), 2u);

  ASSERT_TRUE(wait_until(
      [&] {
        auto s = status_of(dl_);
        return s.pid > 0 && s.pid != old_leader;
      },
      30s))
      << daemon_stderr();
  EXPECT_TRUE(wait_until([&] { return gone(old_leader) && gone(old_kids[0]) && gone(old_kids[1]); }));
  std::string log = daemon_stderr();
  EXPECT_NE(log.find("restarting service " + dl_), std::string::npos) << log;
  EXPECT_NE(log.find("why this victim"), std::string::npos) << log;
  EXPECT_EQ(log.find("restarting service " + ok_), std::string::npos) << log;
  EXPECT_EQ(status_of(ok_).pid, twin);  // the benign twin is left alone
}

}  // namespace
}  // namespace corral::testing
