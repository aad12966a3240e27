// SPDX-License-Identifier: Apache-2.0
// The v2 backend against a directory tree built by the test. A small "kernel" thread
// stands in for cgroupfs where the real kernel would react (cgroup.events after
// cgroup.freeze, emptying cgroup.procs after cgroup.kill or SIGKILL).
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "corral/cgroup/cgroup_v2.hpp"

namespace fs = std::filesystem;
using namespace corral::cgroup;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void put(const std::string& p, const std::string& v) { std::ofstream(p, std::ios::trunc) << v; }
// The fake kernel's updates must look atomic to the backend polling the same files,
// as the real cgroupfs does: write aside and rename.
void put_atomic(const std::string& p, const std::string& v) {
  put(p + ".new", v);
  fs::rename(p + ".new", p);
}

// The files a fresh cgroup2 directory has (the subset corral touches).
void populate(const std::string& dir) {
  put(dir + "/cgroup.procs", "");
  put(dir + "/cgroup.controllers", "cpuset cpu io memory pids\n");
  put(dir + "/cgroup.subtree_control", "");
  put(dir + "/cgroup.freeze", "0\n");
  put(dir + "/cgroup.events", "populated 0\nfrozen 0\n");
  put(dir + "/cpu.weight", "100\n");
  put(dir + "/cpu.max", "max 100000\n");
  put(dir + "/memory.max", "max\n");
  put(dir + "/pids.max", "max\n");
  put(dir + "/cpuset.cpus", "\n");
  put(dir + "/cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
  put(dir + "/memory.current", "4096\n");
  put(dir + "/memory.peak", "8192\n");
  put(dir + "/pids.current", "0\n");
  put(dir + "/cpu.pressure", "some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");
}
void unpopulate(const std::string& dir) {
  for (auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) fs::remove(e.path());
}

class FakeKernel {
 public:
  explicit FakeKernel(std::string dir, bool with_kill) : dir_(std::move(dir)) {
    if (with_kill) put(dir_ + "/cgroup.kill", "");
    thread_ = std::thread([this] { run(); });
  }
  ~FakeKernel() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run() {
    while (!stop_) {
      std::string freeze = slurp(dir_ + "/cgroup.freeze");
      std::string procs = slurp(dir_ + "/cgroup.procs");
      if (fs::exists(dir_ + "/cgroup.kill") && slurp(dir_ + "/cgroup.kill").starts_with("1")) {
        procs.clear();
        put_atomic(dir_ + "/cgroup.kill", "");
      }
      // Drop members that have died (reap our own children so they leave /proc).
      std::istringstream in(procs);
      std::string live;
      for (pid_t p; in >> p;) {
        if (::waitpid(p, nullptr, WNOHANG) == p) continue;
        live += std::to_string(p) + "\n";
      }
      put_atomic(dir_ + "/cgroup.procs", live);
      put_atomic(dir_ + "/cgroup.events", std::string("populated ") + (live.empty() ? "0" : "1") +
                                       "\nfrozen " + (freeze.starts_with("1") ? "1" : "0") + "\n");
      std::this_thread::sleep_for(5ms);
    }
  }
  std::string dir_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class CgroupV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("corral-cgv2-test-" + std::to_string(::getpid()));
    fs::create_directories(root_);
    populate(root_);
    CgroupV2::Options o;
    o.after_mkdir = populate;
    o.before_rmdir = unpopulate;
    o.poll_interval = 2ms;
    cg_ = std::make_unique<CgroupV2>(root_, o);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string root_;
  std::unique_ptr<CgroupV2> cg_;
};

}  // namespace

TEST_F(CgroupV2Test, CreateNestedEnablesControllersInAncestorsOnly) {
  ASSERT_TRUE(cg_->create("web/nginx").ok());
  EXPECT_TRUE(cg_->exists("web"));
  EXPECT_TRUE(cg_->exists("web/nginx"));
  EXPECT_EQ(slurp(root_ + "/cgroup.subtree_control"), "+cpu +memory +pids +cpuset");
  EXPECT_EQ(slurp(root_ + "/web/cgroup.subtree_control"), "+cpu +memory +pids +cpuset");
  // The leaf holds the service's processes, so it must not delegate controllers.
  EXPECT_EQ(slurp(root_ + "/web/nginx/cgroup.subtree_control"), "");
  ASSERT_TRUE(cg_->remove("web").ok());
  EXPECT_FALSE(fs::exists(root_ + "/web"));
}

TEST_F(CgroupV2Test, ControllersNotAvailableAreSkipped) {
  put(root_ + "/cgroup.controllers", "memory pids\n");
  ASSERT_TRUE(cg_->create("g").ok());
  EXPECT_EQ(slurp(root_ + "/cgroup.subtree_control"), "+memory +pids");
}

TEST_F(CgroupV2Test, RejectsEscapingPaths) {
  EXPECT_FALSE(cg_->create("../x").ok());
  EXPECT_FALSE(cg_->create("/abs").ok());
  EXPECT_FALSE(cg_->create("").ok());
}

TEST_F(CgroupV2Test, WeightsAndLimitsWriteTheKernelFormat) {
  ASSERT_TRUE(cg_->create("g/s").ok());
  ASSERT_TRUE(cg_->set_weight("g", 400).ok());
  EXPECT_EQ(slurp(root_ + "/g/cpu.weight"), "400");
  EXPECT_FALSE(cg_->set_weight("g", 0).ok());
  EXPECT_FALSE(cg_->set_weight("g", 10001).ok());

  auto q = parse_cpu_max("150%");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(cg_->set_cpu_max("g", *q).ok());
  EXPECT_EQ(slurp(root_ + "/g/cpu.max"), "150000 100000");
  ASSERT_TRUE(cg_->set_cpu_max("g", std::nullopt).ok());
  EXPECT_EQ(slurp(root_ + "/g/cpu.max"), "max");

  ASSERT_TRUE(cg_->set_memory_max("g/s", 256u << 20).ok());
  EXPECT_EQ(slurp(root_ + "/g/s/memory.max"), "268435456");
  ASSERT_TRUE(cg_->set_pids_max("g/s", 64).ok());
  EXPECT_EQ(slurp(root_ + "/g/s/pids.max"), "64");
  ASSERT_TRUE(cg_->set_pids_max("g/s", std::nullopt).ok());
  EXPECT_EQ(slurp(root_ + "/g/s/pids.max"), "max");
  ASSERT_TRUE(cg_->set_cpus("g/s", "0-1").ok());
  EXPECT_EQ(slurp(root_ + "/g/s/cpuset.cpus"), "0-1");

  ASSERT_TRUE(cg_->attach("g/s", 4242).ok());
  EXPECT_EQ(slurp(root_ + "/g/s/cgroup.procs"), "4242");
  auto pids = cg_->procs("g/s");
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, std::vector<pid_t>{4242});
}

TEST_F(CgroupV2Test, MissingKnobIsAnErrorNamingTheFile) {
  ASSERT_TRUE(cg_->create("g").ok());
  fs::remove(root_ + "/g/memory.max");
  auto st = cg_->set_memory_max("g", 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("/g/memory.max"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().code, ENOENT);
}

TEST_F(CgroupV2Test, UsageReadsStatMemoryPidsAndPressure) {
  ASSERT_TRUE(cg_->create("g").ok());
  auto u = cg_->usage("g");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->cpu_ns, 2500u * 1000);
  EXPECT_EQ(u->memory_current, 4096u);
  EXPECT_EQ(u->memory_peak, 8192u);
  EXPECT_EQ(u->pids_current, 0u);
  ASSERT_TRUE(u->cpu_pressure.has_value());
  EXPECT_DOUBLE_EQ(u->cpu_pressure->some.avg10, 1.5);
  EXPECT_EQ(u->cpu_pressure->some.total_us, 12345u);
  ASSERT_TRUE(u->cpu_pressure->full.has_value());
  EXPECT_EQ(u->cpu_pressure->full->total_us, 7u);
  EXPECT_FALSE(u->io_pressure.has_value());  // no io.pressure file in this tree
}

TEST_F(CgroupV2Test, CpuAndMemoryReadsOnlyThoseTwo) {
  ASSERT_TRUE(cg_->create("g").ok());
  auto u = cg_->cpu_and_memory("g");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->cpu_ns, 2500u * 1000);
  EXPECT_EQ(u->memory_current, 4096u);
  EXPECT_FALSE(u->memory_peak.has_value());
  EXPECT_FALSE(u->cpu_pressure.has_value());
  EXPECT_FALSE(cg_->cpu_and_memory("missing").ok());
}

TEST_F(CgroupV2Test, FreezeTimesOutWithoutTheKernelsEvent) {
  ASSERT_TRUE(cg_->create("g").ok());
  auto st = cg_->freeze("g", 50ms);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ETIMEDOUT);
  EXPECT_EQ(slurp(root_ + "/g/cgroup.freeze"), "1");
}

TEST_F(CgroupV2Test, FreezeAndThawWaitForCgroupEvents) {
  ASSERT_TRUE(cg_->create("g").ok());
  FakeKernel kernel(root_ + "/g", false);
  ASSERT_TRUE(cg_->freeze("g", 10s).ok());
  EXPECT_EQ(slurp(root_ + "/g/cgroup.freeze"), "1");
  auto f = cg_->frozen("g");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(*f);
  ASSERT_TRUE(cg_->thaw("g", 10s).ok());
  EXPECT_EQ(slurp(root_ + "/g/cgroup.freeze"), "0");
  EXPECT_FALSE(*cg_->frozen("g"));
}

TEST_F(CgroupV2Test, KillUsesCgroupKillWhenPresent) {
  ASSERT_TRUE(cg_->create("g").ok());
  put(root_ + "/g/cgroup.procs", "999999\n");  // never signalled: cgroup.kill does it
  FakeKernel kernel(root_ + "/g", true);
  ASSERT_TRUE(cg_->kill("g", 10s).ok());
  EXPECT_TRUE(cg_->procs("g")->empty());
}

TEST_F(CgroupV2Test, KillFallbackFreezesAndSignalsEveryMember) {
  ASSERT_TRUE(cg_->create("g").ok());
  // Two real processes listed as members; without cgroup.kill the backend must
  // SIGKILL each of them itself.
  pid_t kids[2];
  for (pid_t& k : kids) {
    k = ::fork();
    ASSERT_GE(k, 0);
    if (k == 0) {
      for (;;) ::pause();
    }
  }
  put(root_ + "/g/cgroup.procs", std::to_string(kids[0]) + "\n" + std::to_string(kids[1]) + "\n");
  {
    FakeKernel kernel(root_ + "/g", false);
    auto st = cg_->kill("g", 10s);
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  for (pid_t k : kids) {
    // Reaped by the fake kernel: gone from /proc. If the kill failed, clean up.
    if (fs::exists("/proc/" + std::to_string(k))) {
      ::kill(k, SIGKILL);
      ::waitpid(k, nullptr, 0);
      ADD_FAILURE() << "pid " << k << " survived";
    }
  }
  EXPECT_EQ(slurp(root_ + "/g/cgroup.freeze"), "0");  // thawed again afterwards
}

TEST(CgroupCommon, CpuMaxParsing) {
  auto a = parse_cpu_max("50%");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->quota_us, 50000u);
  EXPECT_EQ((*a)->period_us, 100000u);
  auto b = parse_cpu_max("max");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->has_value());
  auto c = parse_cpu_max("20000 50000");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->quota_us, 20000u);
  EXPECT_EQ((*c)->period_us, 50000u);
  EXPECT_FALSE(parse_cpu_max("lots").ok());
  EXPECT_FALSE(parse_cpu_max("0%").ok());
  EXPECT_FALSE(parse_cpu_max("0.5%").ok());
}

TEST(CgroupCommon, WeightToShares) {
  EXPECT_EQ(weight_to_shares(100), 1024u);
  EXPECT_EQ(weight_to_shares(200), 2048u);
  EXPECT_EQ(weight_to_shares(1), 10u);
  EXPECT_EQ(weight_to_shares(10000), 102400u);
}

#include "corral/cgroup/setup.hpp"

// Under systemd (Delegate=yes) the daemon sits in its own service cgroup. Before it
// may enable controllers there it must move into a leaf; then it builds its subtree.
TEST_F(CgroupV2Test, DelegatedSetupMovesSelfIntoLeafThenEnablesControllers) {
  std::string service = root_ + "/system.slice/corrald.service";
  fs::create_directories(service);
  populate(root_ + "/system.slice");
  populate(service);
  put(service + "/cgroup.procs", std::to_string(::getpid()) + "\n");
  Layout layout;
  layout.mode = Mode::V2;
  layout.v2_mount = root_;
  SetupOptions o;
  o.name = "corral";
  o.v2.after_mkdir = populate;
  o.v2.before_rmdir = unpopulate;
  auto opened = open_cgroups_in(layout, {{"", "/system.slice/corrald.service"}}, o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(slurp(service + "/supervisor/cgroup.procs"), std::to_string(::getpid()));
  EXPECT_EQ(slurp(service + "/cgroup.subtree_control"), "+cpu +memory +pids +cpuset");
  EXPECT_EQ(opened->base, service + "/corral");
  EXPECT_TRUE(fs::exists(service + "/corral/cgroup.procs"));
  // Groups and services then live below the subtree, controllers enabled on the way.
  ASSERT_TRUE(opened->cgroups->create("web/nginx").ok());
  EXPECT_EQ(slurp(service + "/corral/cgroup.subtree_control"), "+cpu +memory +pids +cpuset");
  EXPECT_TRUE(opened->cgroups->exists("web/nginx"));
  ASSERT_TRUE(opened->cgroups->remove("web").ok());
  ASSERT_TRUE(close_cgroups(*opened).ok());
  EXPECT_FALSE(fs::exists(service + "/corral"));
}

TEST_F(CgroupV2Test, RootSetupNeedsNoLeaf) {
  Layout layout;
  layout.mode = Mode::V2;
  layout.v2_mount = root_;
  SetupOptions o;
  o.name = "corral-x";
  o.v2.after_mkdir = populate;
  o.v2.before_rmdir = unpopulate;
  auto opened = open_cgroups_in(layout, {{"", "/"}}, o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_FALSE(fs::exists(root_ + "/supervisor"));
  EXPECT_EQ(opened->base, root_ + "/corral-x");
  EXPECT_EQ(opened->cgroups->mode(), Mode::V2);
  EXPECT_FALSE(open_cgroups_in(layout, {{"", "/"}}, SetupOptions{"a/b", {}, 0}).ok());
  ASSERT_TRUE(close_cgroups(*opened).ok());
}

#include "corral/cgroup/limits.hpp"

TEST_F(CgroupV2Test, ApplyLimitsWritesEveryKnob) {
  ASSERT_TRUE(cg_->create("batch").ok());
  Limits l;
  l.weight = 250;
  l.cpu_max = 0.5;
  l.memory_max = 1u << 30;
  l.pids_max = 100;
  l.cpus = {0, 1, 3};
  auto st = apply_limits(*cg_, "batch", l);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(slurp(root_ + "/batch/cpu.weight"), "250");
  EXPECT_EQ(slurp(root_ + "/batch/cpu.max"), "50000 100000");
  EXPECT_EQ(slurp(root_ + "/batch/memory.max"), "1073741824");
  EXPECT_EQ(slurp(root_ + "/batch/pids.max"), "100");
  EXPECT_EQ(slurp(root_ + "/batch/cpuset.cpus"), "0-1,3");
  // Back to defaults: no limits.
  ASSERT_TRUE(apply_limits(*cg_, "batch", Limits{}).ok());
  EXPECT_EQ(slurp(root_ + "/batch/cpu.weight"), "100");
  EXPECT_EQ(slurp(root_ + "/batch/cpu.max"), "max");
  EXPECT_EQ(slurp(root_ + "/batch/memory.max"), "max");
  EXPECT_EQ(slurp(root_ + "/batch/cpuset.cpus"), "0-1,3");  // empty cpus leaves the set alone
}
