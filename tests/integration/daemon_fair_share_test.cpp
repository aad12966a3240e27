// SPDX-License-Identifier: Apache-2.0
// corrald with fair-share groups: service cgroups inside group cgroups, stop kills
// the whole cgroup, suspend/resume, sched and affinity of services, nice mode.
// Each test uses its own cgroup subtree ([daemon] cgroup_name, unique to the run)
// and checks that corrald removed it on shutdown.
#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "daemon_fixture.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

using protocol::Command;
namespace fs = std::filesystem;

const std::string kCpuMount = "/sys/fs/cgroup/cpu";
const std::string kFreezerMount = "/sys/fs/cgroup/freezer";

// The v1 cgroup path of pid for a controller ("cpu", "freezer"), "" if none.
std::string cgroup_of(pid_t pid, const std::string& controller) {
  std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/cgroup"));
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::stringstream ctl(line.substr(a + 1, b - a - 1));
    std::string c;
    while (std::getline(ctl, c, ','))
      if (c == controller) return line.substr(b + 1);
  }
  return "";
}

std::set<pid_t> procs_in(const std::string& dir) {
  std::set<pid_t> out;
  std::istringstream in(read_text(dir + "/cgroup.procs"));
  pid_t p;
  while (in >> p) out.insert(p);
  return out;
}

std::uint64_t cpu_ticks(pid_t pid) {
  std::string s = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto p = s.rfind(')');
  if (p == std::string::npos) return 0;
  std::istringstream in(s.substr(p + 2));
  std::string f;
  std::uint64_t ut = 0, st = 0;
  for (int i = 3; i <= 15 && in >> f; ++i) {
    if (i == 14) ut = std::stoull(f);
    if (i == 15) st = std::stoull(f);
  }
  return ut + st;
}

class FairShareDaemon : public DaemonFixture {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to write cgroups";
    if (!fs::exists(kCpuMount + "/cpu.shares") || !fs::exists(kFreezerMount + "/cgroup.procs"))
      GTEST_SKIP() << "needs cgroup v1 cpu and freezer controllers";
    DaemonFixture::SetUp();
    static int counter = 0;
    name_ = "corral-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  }
  void TearDown() override {
    DaemonFixture::TearDown();
    if (name_.empty()) return;
    // corrald removes its subtree on shutdown; fail (and clean up) if it did not.
    for (const auto& mount : {kCpuMount, kFreezerMount}) {
      for (const auto& e : fs::recursive_directory_iterator(mount, fs::directory_options::skip_permission_denied)) {
        if (e.is_directory() && e.path().filename() == name_) {
          ADD_FAILURE() << "cgroup left behind: " << e.path();
          std::vector<fs::path> dirs;
          for (const auto& d : fs::recursive_directory_iterator(e.path()))
            if (d.is_directory()) dirs.push_back(d.path());
          for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
          ::rmdir(e.path().c_str());
          break;
        }
      }
    }
  }
  std::string header(const std::string& extra = "") {
    return "[daemon]\ncgroup_name = \"" + name_ + "\"\nfair_share_interval = 0.2\nrescan_interval = 0.1\n" + extra + "\n";
  }
  std::string name_;
};

TEST_F(FairShareDaemon, ServiceLandsInItsGroupCgroupWithShares) {
  start_daemon(header() + R"(
[group.web]
weight = 300
[service.svc]
group = "web"
command = ["sleep", "1000"]
)");
  ASSERT_TRUE(wait_state("svc", "running")) << daemon_stderr();
  pid_t pid = status_of("svc").pid;
  std::string cpu = cgroup_of(pid, "cpu");
  std::string want = "/" + name_ + "/web/svc";
  ASSERT_TRUE(cpu.ends_with(want)) << cpu;
  EXPECT_TRUE(cgroup_of(pid, "freezer").ends_with(want)) << cgroup_of(pid, "freezer");
  std::string group_dir = kCpuMount + cpu.substr(0, cpu.size() - 4);  // without "/svc"
  EXPECT_EQ(std::stoul(read_text(group_dir + "/cpu.shares")), 300u * 1024 / 100);

  auto g = call(Command::Groups);
  ASSERT_TRUE(g.ok) << g.error;
  EXPECT_EQ(g.data["mode"], "cgroup");
  bool found = false;
  for (const auto& row : g.data["groups"])
    if (row["name"] == "web") {
      found = true;
      EXPECT_EQ(row["weight"], 300);
      EXPECT_EQ(row["services"], 1);
    }
  EXPECT_TRUE(found);

  // Reload with a new weight: the group's cpu.shares follows.
  write_config(header() + R"(
[group.web]
weight = 500
[service.svc]
group = "web"
command = ["sleep", "1000"]
)");
  auto r = call(Command::Reload);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(std::stoul(read_text(group_dir + "/cpu.shares")), 500u * 1024 / 100);
}

TEST_F(FairShareDaemon, StopKillsEveryMemberOfTheServiceCgroup) {
  // The inner sh leaves the process group (setsid): only the cgroup still holds it.
  start_daemon(header() + R"(
[service.escaper]
command = ["sh", "-c", "setsid sh -c 'sleep 1000' & sleep 1000"]
)");
  ASSERT_TRUE(wait_state("escaper", "running")) << daemon_stderr();
  pid_t pid = status_of("escaper").pid;
  std::string dir = kFreezerMount + cgroup_of(pid, "freezer");
  std::set<pid_t> members;
  ASSERT_TRUE(wait_until([&] {
    members = procs_in(dir);
    return members.size() >= 4;  // sh, sleep, setsid'd sh, its sleep
  })) << members.size();
  auto r = call(Command::Stop, {"escaper"});
  ASSERT_TRUE(r.ok) << r.error;
  for (pid_t m : members)
    EXPECT_TRUE(wait_until([&] { return !process_exists(m) || process_state(m) == 'Z'; })) << "member " << m;
  EXPECT_TRUE(procs_in(dir).empty());
}

TEST_F(FairShareDaemon, SuspendStopsCpuResumeBringsItBackStopWhileSuspendedWorks) {
  start_daemon(header() + R"(
[service.burn]
command = ["sh", "-c", "while :; do :; done"]
)");
  ASSERT_TRUE(wait_state("burn", "running")) << daemon_stderr();
  pid_t pid = status_of("burn").pid;
  auto r = call(Command::Suspend, {"burn"});
  ASSERT_TRUE(r.ok) << r.error;
  std::string st = status_of("burn").state;
  EXPECT_TRUE(st == "Ready/Suspend" || st == "Blocked/Suspend") << st;
  EXPECT_EQ(st, "Ready/Suspend");  // a busy loop is runnable when frozen
  std::uint64_t t0 = cpu_ticks(pid);
  std::this_thread::sleep_for(300ms);  // a frozen task must not gain a single tick meanwhile
  EXPECT_EQ(cpu_ticks(pid), t0);
  r = call(Command::Resume, {"burn"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(status_of("burn").state, "running");
  EXPECT_TRUE(wait_until([&] { return cpu_ticks(pid) > t0 + 5; }));
  ASSERT_TRUE(call(Command::Suspend, {"burn"}).ok);
  r = call(Command::Stop, {"burn"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(status_of("burn").state, "stopped");
  EXPECT_TRUE(wait_until([&] { return !process_exists(pid); }));
}

TEST_F(FairShareDaemon, SchedFifoAppliedToService) {
  start_daemon(header() + R"(
[service.rt]
command = ["sleep", "1000"]
sched = { policy = "fifo", priority = 10 }
)");
  ASSERT_TRUE(wait_state("rt", "running")) << daemon_stderr();
  pid_t pid = status_of("rt").pid;
  EXPECT_EQ(::sched_getscheduler(pid), SCHED_FIFO);
  sched_param sp{};
  ASSERT_EQ(::sched_getparam(pid, &sp), 0);
  EXPECT_EQ(sp.sched_priority, 10);
}

TEST_F(FairShareDaemon, AffinitySpreadPinsLateThreads) {
  start_daemon(header() + "[service.threads]\ncommand = [\"" + program_dir() +
               "/test-helpers/corral-test-late_thread\"]\naffinity = { threads = \"spread\" }\n");
  ASSERT_TRUE(wait_state("threads", "running")) << daemon_stderr();
  pid_t pid = status_of("threads").pid;
  auto mask_of = [](pid_t tid) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(tid, sizeof set, &set) != 0) return -2;
    return CPU_COUNT(&set) == 1 ? [&] { for (int c = 0; c < CPU_SETSIZE; ++c) if (CPU_ISSET(c, &set)) return c; return -1; }() : -1;
  };
  ASSERT_TRUE(wait_until([&] { return mask_of(pid) >= 0; })) << "main thread not pinned";
  ASSERT_EQ(::kill(pid, SIGUSR1), 0);
  pid_t late = 0;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
      pid_t tid = std::stoi(e.path().filename());
      if (tid != pid) late = tid;
    }
    // A new thread inherits its creator's one-CPU mask; spread moves it to another CPU.
    bool multi = std::thread::hardware_concurrency() > 1;
    return late > 0 && mask_of(late) >= 0 && (!multi || mask_of(late) != mask_of(pid));
  })) << "the late thread was not placed by the rescan";
}

TEST_F(FairShareDaemon, NiceModeChangesNiceOfGroupMembers) {
  start_daemon(header("fair_share = \"nice\"") + R"(
[group.low]
weight = 100
[group.high]
weight = 400
[service.a]
group = "low"
command = ["sh", "-c", "while :; do :; done"]
[service.b]
group = "high"
command = ["sh", "-c", "while :; do :; done"]
)");
  ASSERT_TRUE(wait_state("a", "running")) << daemon_stderr();
  ASSERT_TRUE(wait_state("b", "running"));
  pid_t a = status_of("a").pid;
  EXPECT_TRUE(wait_until([&] {
    errno = 0;
    int n = ::getpriority(PRIO_PROCESS, static_cast<id_t>(a));
    return errno == 0 && n > 0;
  })) << "the low-weight group's process never got a higher nice value";
  auto g = call(Command::Groups);
  ASSERT_TRUE(g.ok);
  EXPECT_EQ(g.data["mode"], "nice");
}

// cgroup mode runs no timer for the shares: each `groups` request measures them
// over the time since the previous one (issue 13: an idle daemon never wakes up).
TEST_F(FairShareDaemon, CgroupSharesAreMeasuredBetweenGroupsRequests) {
  start_daemon(header() + R"(
[group.busy]
weight = 100
[group.quiet]
weight = 100
[service.spin]
group = "busy"
command = ["sh", "-c", "while :; do :; done"]
[service.nap]
group = "quiet"
command = ["sleep", "1000"]
)");
  ASSERT_TRUE(wait_state("spin", "running")) << daemon_stderr();
  ASSERT_TRUE(wait_state("nap", "running"));
  auto first = call(Command::Groups);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.data["mode"], "cgroup");
  double busy_share = 0, quiet_share = 1, busy_cpu = 0, window = 0;
  EXPECT_TRUE(wait_until([&] {
    auto g = call(Command::Groups);
    if (!g.ok) return false;
    window = g.data["interval_s"].get<double>();
    for (const auto& row : g.data["groups"]) {
      if (row["name"] == "busy") busy_share = row["measured_share"].get<double>(), busy_cpu = row["cpu_percent"].get<double>();
      if (row["name"] == "quiet") quiet_share = row["measured_share"].get<double>();
    }
    return busy_share > 0.9 && busy_cpu > 0;
  })) << "busy group share " << busy_share << ", cpu " << busy_cpu << "%";
  EXPECT_LT(quiet_share, 0.1);
  // The window is the time since the previous request, not fair_share_interval (0.2 s).
  EXPECT_GT(window, 0.0);
  EXPECT_LT(window, 5.0);
}

}  // namespace
}  // namespace corral::testing
