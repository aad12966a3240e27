// SPDX-License-Identifier: Apache-2.0
// corral-demo-deadlock builds real deadlocks (and benign look-alikes) between processes;
// the detector, both as a library call and as `corralctl waits --json --pid ...`, must
// report exactly the demo's pids -- and nothing for the look-alikes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "corral/waits/scan.hpp"
#include "corral/waits/snapshot.hpp"
#include "program_dir.hpp"

using namespace std::chrono_literals;

namespace {

const std::string kDemo = corral::testing::program_dir() + "/examples/corral-demo-deadlock";
const std::string kCtl = corral::testing::program_dir() + "/tools/corralctl";

// A child process with its stdout on a pipe we read line by line with deadlines.
struct Child {
  pid_t pid = -1;
  int out = -1;
  std::string buffer;

  static Child start(const std::vector<std::string>& argv) {
    Child c;
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return c;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    c.pid = ::fork();
    if (c.pid == 0) {
      ::dup2(p[1], 1);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(p[1]);
    c.out = p[0];
    return c;
  }

  // Reads until `needle` appears in the output or the deadline passes.
  bool wait_for(const std::string& needle, std::chrono::milliseconds deadline = 30s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (buffer.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd pfd{out, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(out, buf, sizeof buf);
      if (n <= 0) return buffer.find(needle) != std::string::npos;
      buffer.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  // Exit status, waiting at most `deadline` (then SIGKILL so nothing is left behind).
  int finish(std::chrono::milliseconds deadline = 30s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      // Drain stdout so a chatty child never blocks on a full pipe.
      pollfd pfd{out, POLLIN, 0};
      if (::poll(&pfd, 1, 20) > 0) {
        char buf[4096];
        ssize_t n = ::read(out, buf, sizeof buf);
        if (n > 0) buffer.append(buf, static_cast<std::size_t>(n));
      }
    }
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out, buf, sizeof buf)) > 0) buffer.append(buf, static_cast<std::size_t>(n));
    ::close(out);
    pid = -1;
    return status;
  }

  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }
};

std::vector<pid_t> parse_pids(const std::string& out, const std::string& tag) {
  std::vector<pid_t> pids;
  auto pos = out.find(tag);
  if (pos == std::string::npos) return pids;
  std::istringstream in(out.substr(pos + tag.size(), out.find('\n', pos) - pos - tag.size()));
  pid_t p;
  while (in >> p) pids.push_back(p);
  return pids;
}

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

struct Case {
  std::string kind;
  int procs;
  bool benign;
};

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return info.param.kind + std::to_string(info.param.procs) + (info.param.benign ? "Benign" : "");
}

class DeadlockDemo : public testing::TestWithParam<Case> {};

TEST_P(DeadlockDemo, DetectorReportsExactlyTheCycle) {
  const Case& c = GetParam();
  std::vector<std::string> argv{kDemo, "--kind", c.kind, "--procs", std::to_string(c.procs)};
  if (c.benign) argv.push_back("--benign");
  Child demo = Child::start(argv);
  ASSERT_GT(demo.pid, 0);
  ASSERT_TRUE(demo.wait_for("ready\n")) << "demo output: " << demo.buffer;
  std::vector<pid_t> kids = parse_pids(demo.buffer, "pids:");
  std::vector<pid_t> helper = parse_pids(demo.buffer, "helper:");
  ASSERT_EQ(kids.size(), static_cast<std::size_t>(c.procs));
  std::vector<pid_t> scope = kids;
  scope.insert(scope.end(), helper.begin(), helper.end());
  scope.push_back(demo.pid);
  std::sort(kids.begin(), kids.end());

  // The library call.
  corral::waits::ScanOptions opts;
  opts.pids = scope;
  auto snap = corral::waits::scan_system(opts);
  ASSERT_TRUE(snap) << snap.error().message;
  auto report = corral::waits::analyze(*snap);
  if (c.benign) {
    EXPECT_TRUE(report.deadlocks.empty()) << "reported a deadlock in the benign twin";
  } else {
    ASSERT_EQ(report.deadlocks.size(), 1u);
    EXPECT_EQ(report.deadlocks[0].pids, kids);
    EXPECT_EQ(report.deadlocks[0].resources.size(), static_cast<std::size_t>(c.procs));
  }

  // The command.
  std::string pid_list;
  for (pid_t p : scope) pid_list += (pid_list.empty() ? "" : ",") + std::to_string(p);
  Child ctl = Child::start({kCtl, "waits", "--json", "--pid", pid_list});
  int status = ctl.finish();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), c.benign ? 0 : 4) << ctl.buffer;
  auto json = nlohmann::json::parse(ctl.buffer, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << ctl.buffer;
  ASSERT_TRUE(json["deadlocks"].is_array());
  if (c.benign) {
    EXPECT_TRUE(json["deadlocks"].empty()) << ctl.buffer;
  } else {
    ASSERT_EQ(json["deadlocks"].size(), 1u) << ctl.buffer;
    auto pids = json["deadlocks"][0]["processes"].get<std::vector<pid_t>>();
    EXPECT_EQ(pids, kids);
    EXPECT_EQ(json["deadlocks"][0]["resources"].size(), static_cast<std::size_t>(c.procs));
  }

  // Stop the demo by pid; it must take its children, files and segments with it.
  ASSERT_EQ(::kill(demo.pid, SIGTERM), 0);
  const pid_t demo_pid = demo.pid;
  status = demo.finish();
  ASSERT_TRUE(WIFEXITED(status)) << demo.buffer;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(demo.buffer.find("cleaned up"), std::string::npos);
  for (pid_t p : scope) {
    if (p == demo_pid) continue;
    EXPECT_TRUE(gone(p)) << "pid " << p << " survived";
  }
  const std::string stem = "/tmp/corral-deadlock-" + std::to_string(demo_pid);
  EXPECT_NE(::access(stem.c_str(), F_OK), 0);
  EXPECT_NE(::access((stem + "-0").c_str(), F_OK), 0);
  EXPECT_NE(::access(("/dev/shm/corral-reg-demo-deadlock-" + std::to_string(demo_pid)).c_str(), F_OK), 0);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* kind : {"flock", "posix", "ofd", "pipe", "mutex", "registry"}) {
    cases.push_back({kind, 2, false});
    cases.push_back({kind, 3, false});
    cases.push_back({kind, 2, true});
    cases.push_back({kind, 3, true});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Waits, DeadlockDemo, testing::ValuesIn(all_cases()), case_name);

TEST(DeadlockResolve, ResolveAbortsOneVictimAndTheRestProceeds) {
  // flock: when the victim dies its lock goes, so the others get theirs.
  Child demo = Child::start({kDemo, "--kind", "flock", "--procs", "3"});
  ASSERT_TRUE(demo.wait_for("ready\n")) << demo.buffer;
  std::vector<pid_t> kids = parse_pids(demo.buffer, "pids:");
  ASSERT_EQ(kids.size(), 3u);
  std::string pid_list;
  for (pid_t p : kids) pid_list += (pid_list.empty() ? "" : ",") + std::to_string(p);
  Child ctl = Child::start({kCtl, "waits", "--pid", pid_list, "--resolve", "--yes", "--grace", "2"});
  int status = ctl.finish(60s);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4) << ctl.buffer;  // one was found
  EXPECT_NE(ctl.buffer.find("victim: pid"), std::string::npos) << ctl.buffer;
  EXPECT_NE(ctl.buffer.find("no deadlock left"), std::string::npos) << ctl.buffer;
  // Exactly one child was aborted (a zombie until the demo reaps it, then gone).
  int dead = 0;
  for (pid_t p : kids) {
    std::string stat_path = "/proc/" + std::to_string(p) + "/stat";
    FILE* f = std::fopen(stat_path.c_str(), "r");
    if (!f) {
      ++dead;
      continue;
    }
    char buf[512] = {};
    std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const char* close = std::strrchr(buf, ')');
    if (n > 0 && close && close[2] == 'Z') ++dead;
  }
  EXPECT_EQ(dead, 1);
  corral::waits::ScanOptions opts;
  opts.pids = kids;
  auto snap = corral::waits::scan_system(opts);
  ASSERT_TRUE(snap);
  EXPECT_TRUE(corral::waits::analyze(*snap).deadlocks.empty());
  ::kill(demo.pid, SIGTERM);
  status = demo.finish();
  EXPECT_TRUE(WIFEXITED(status));
}

TEST(DeadlockResolve, WithoutYesAndWithoutATerminalNothingIsKilled) {
  Child demo = Child::start({kDemo, "--kind", "pipe", "--procs", "2"});
  ASSERT_TRUE(demo.wait_for("ready\n")) << demo.buffer;
  std::vector<pid_t> kids = parse_pids(demo.buffer, "pids:");
  ASSERT_EQ(kids.size(), 2u);
  std::string pid_list = std::to_string(kids[0]) + "," + std::to_string(kids[1]);
  // setsid: no controlling terminal, so the confirmation cannot be asked.
  Child ctl = Child::start({"/usr/bin/setsid", "-w", kCtl, "waits", "--pid", pid_list, "--resolve"});
  int status = ctl.finish(60s);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4) << ctl.buffer;
  for (pid_t p : kids) EXPECT_FALSE(gone(p));
  ::kill(demo.pid, SIGTERM);
  status = demo.finish();
  EXPECT_TRUE(WIFEXITED(status));
}

}  // namespace

namespace {

// Threads where it matters: two threads of one process in an A-B / B-A mutex deadlock.
// The main thread sits in sigwait (not a wait corral recognises) -- so the process could
// still act, and only the mutex waits are reported, as blocked.
Child start_thread_deadlock(const char* mode) {
  std::vector<std::string> argv{corral::testing::program_dir() + "/test-helpers/corral-test-thread_deadlock"};
  if (mode) argv.push_back(mode);
  return Child::start(argv);
}

// Scans pid until `want` mutex waits show (deadline), returning the last report.
corral::waits::Report scan_until_mutex_waits(pid_t pid, std::size_t want, std::size_t* seen) {
  corral::waits::ScanOptions opts;
  opts.pids = {pid};
  corral::waits::Report report;
  auto end = std::chrono::steady_clock::now() + 10s;
  do {
    auto snap = corral::waits::scan_system(opts);
    if (!snap) break;
    *seen = 0;
    for (const auto& w : snap->waits) *seen += snap->resources[w.resource].kind == corral::waits::ResourceKind::kMutex;
    report = corral::waits::analyze(*snap);
    if (*seen >= want) break;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < end);
  return report;
}

}  // namespace

TEST(ThreadDeadlock, MutexWaitsOfTwoThreadsAreSeenButALiveThreadMeansNoDeadlock) {
  for (const char* mode : {static_cast<const char*>(nullptr), "--live"}) {
    Child helper = start_thread_deadlock(mode);
    ASSERT_TRUE(helper.wait_for("ready\n")) << helper.buffer;
    std::size_t mutex_waits = 0;
    auto report = scan_until_mutex_waits(helper.pid, 2, &mutex_waits);
    EXPECT_EQ(mutex_waits, 2u);
    // The main thread (sigwait) and, with --live, a running thread keep it out of a deadlock.
    EXPECT_TRUE(report.deadlocks.empty());
    ::kill(helper.pid, SIGTERM);
    int status = helper.finish();
    EXPECT_TRUE(WIFEXITED(status));
  }
}

TEST(ThreadDeadlock, EveryThreadInAMutexWaitIsADeadlockOfOneProcess) {
  Child helper = start_thread_deadlock("--all");
  ASSERT_TRUE(helper.wait_for("ready\n")) << helper.buffer;
  std::size_t mutex_waits = 0;
  auto report = scan_until_mutex_waits(helper.pid, 3, &mutex_waits);
  EXPECT_EQ(mutex_waits, 3u);
  ASSERT_EQ(report.deadlocks.size(), 1u);
  EXPECT_EQ(report.deadlocks[0].pids, std::vector<pid_t>{helper.pid});
  EXPECT_EQ(report.deadlocks[0].resources.size(), 2u);  // A and B
  ::kill(helper.pid, SIGTERM);
  int status = helper.finish();
  EXPECT_TRUE(WIFSIGNALED(status));
}
