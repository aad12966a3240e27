// SPDX-License-Identifier: Apache-2.0
// The cgroup layer on this machine's real hierarchy (v1 controllers, hybrid): real
// processes attached, knobs read back from cgroupfs, freeze and kill for real.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "corral/base/file_read.hpp"
#include "corral/cgroup/cgroup_v1.hpp"
#include "corral/cgroup/setup.hpp"

using namespace corral::cgroup;
using namespace std::chrono_literals;

namespace {

pid_t spawn_busy() {
  pid_t p = ::fork();
  if (p == 0) {
    volatile unsigned long x = 0;
    for (;;) x = x + 1;
  }
  return p;
}

pid_t spawn_sleeper() {
  pid_t p = ::fork();
  if (p == 0)
    for (;;) ::pause();
  return p;
}

pid_t spawn_forker() {
  // Forks two sleeping children of its own, then sleeps: kill must get all three.
  pid_t p = ::fork();
  if (p == 0) {
    for (int i = 0; i < 2; ++i)
      if (::fork() == 0) {
        for (;;) ::pause();
      }
    for (;;) ::pause();
  }
  return p;
}

// utime + stime in clock ticks from /proc/PID/stat.
long cpu_ticks(pid_t pid) {
  auto s = corral::read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!s) return -1;
  std::size_t rp = s->rfind(')');
  unsigned long ut = 0, st = 0;
  // Fields after ")": state(3) ... utime is field 14, stime 15.
  std::sscanf(s->c_str() + rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
  return static_cast<long>(ut + st);
}

template <typename F>
bool eventually(F f, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

std::string knob(const CgroupV1& cg, Controller c, const std::string& path, const char* file) {
  auto r = corral::read_file(cg.dirs().at(c) + "/" + path + "/" + file);
  if (!r) return "<" + r.error().message + ">";
  while (!r->empty() && r->back() == '\n') r->pop_back();
  return *r;
}

class CgroupV1Real : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
    auto layout = detect_layout();
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    if (layout->mode == Mode::V2) GTEST_SKIP() << "machine runs cgroup v2; this test covers v1";
    for (Controller c : {Controller::Cpu, Controller::Cpuacct, Controller::Freezer, Controller::Memory,
                         Controller::Pids, Controller::Cpuset})
      if (!layout->v1_mounts.count(c))
        GTEST_SKIP() << "v1 controller " << to_string(c) << " not mounted";
    SetupOptions o;
    o.name = "corral-test-" + std::to_string(::getpid());
    auto opened = open_cgroups(o);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    opened_ = std::move(*opened);
    cg_ = dynamic_cast<CgroupV1*>(opened_.cgroups.get());
    ASSERT_NE(cg_, nullptr);
  }
  void TearDown() override {
    for (pid_t p : kids_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    if (cg_) {
      for (const char* g : {"g", "k"}) {
        (void)cg_->thaw(g, 5s);
        (void)cg_->kill(g, 10s);
        (void)cg_->remove(g);
      }
      auto st = close_cgroups(opened_);
      EXPECT_TRUE(st.ok()) << st.error().message;
      EXPECT_FALSE(corral::read_file(opened_.base + "/cgroup.procs").ok()) << "subtree left behind";
    }
  }
  pid_t keep(pid_t p) {
    kids_.push_back(p);
    return p;
  }

  Opened opened_;
  CgroupV1* cg_ = nullptr;
  std::vector<pid_t> kids_;
};

}  // namespace

TEST_F(CgroupV1Real, DetectsHybridHere) {
  EXPECT_NE(cg_->mode(), Mode::V2);
  // cpu and cpuacct are separate mounts on this machine; both must have the subtree.
  EXPECT_TRUE(cg_->exists(""));
}

TEST_F(CgroupV1Real, AttachWeightsAndLimitsReadBack) {
  ASSERT_TRUE(cg_->create("g/s").ok());
  ASSERT_TRUE(cg_->exists("g/s"));
  pid_t p = keep(spawn_busy());
  auto st = cg_->attach("g/s", p);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto members = cg_->procs("g/s");
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, std::vector<pid_t>{p});
  auto self = corral::read_file("/proc/" + std::to_string(p) + "/cgroup");
  ASSERT_TRUE(self.ok());
  EXPECT_NE(self->find(opened_.name + "/g/s"), std::string::npos) << *self;

  ASSERT_TRUE(cg_->set_weight("g", 200).ok());
  EXPECT_EQ(knob(*cg_, Controller::Cpu, "g", "cpu.shares"), "2048");
  ASSERT_TRUE(cg_->set_weight("g", 1).ok());
  EXPECT_EQ(knob(*cg_, Controller::Cpu, "g", "cpu.shares"), "10");

  ASSERT_TRUE(cg_->set_cpu_max("g/s", *parse_cpu_max("150%")).ok());
  EXPECT_EQ(knob(*cg_, Controller::Cpu, "g/s", "cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(knob(*cg_, Controller::Cpu, "g/s", "cpu.cfs_period_us"), "100000");
  ASSERT_TRUE(cg_->set_cpu_max("g/s", std::nullopt).ok());
  EXPECT_EQ(knob(*cg_, Controller::Cpu, "g/s", "cpu.cfs_quota_us"), "-1");

  ASSERT_TRUE(cg_->set_memory_max("g/s", 64u << 20).ok());
  EXPECT_EQ(knob(*cg_, Controller::Memory, "g/s", "memory.limit_in_bytes"), "67108864");
  ASSERT_TRUE(cg_->set_pids_max("g/s", 32).ok());
  EXPECT_EQ(knob(*cg_, Controller::Pids, "g/s", "pids.max"), "32");
  ASSERT_TRUE(cg_->set_cpus("g/s", "0").ok());
  EXPECT_EQ(knob(*cg_, Controller::Cpuset, "g/s", "cpuset.cpus"), "0");
  EXPECT_FALSE(knob(*cg_, Controller::Cpuset, "g/s", "cpuset.mems").empty());

  EXPECT_TRUE(eventually([&] {
    auto u = cg_->usage("g/s");
    return u.ok() && u->cpu_ns > 0 && u->memory_current.has_value() && u->pids_current == 1u;
  }));
  auto brief = cg_->cpu_and_memory("g/s");
  ASSERT_TRUE(brief.ok()) << brief.error().message;
  EXPECT_GT(brief->cpu_ns, 0u);
  EXPECT_TRUE(brief->memory_current.has_value());
  EXPECT_FALSE(brief->pids_current.has_value());
}

TEST_F(CgroupV1Real, FreezeStopsABusyProcessAndThawResumesIt) {
  ASSERT_TRUE(cg_->create("g/s").ok());
  pid_t p = keep(spawn_busy());
  ASSERT_TRUE(cg_->attach("g/s", p).ok());
  ASSERT_TRUE(eventually([&] { return cpu_ticks(p) > 0; }));

  auto st = cg_->freeze("g/s", 10s);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(knob(*cg_, Controller::Freezer, "g/s", "freezer.state"), "FROZEN");
  EXPECT_TRUE(*cg_->frozen("g/s"));
  long before = cpu_ticks(p);
  // A frozen task gets no CPU at all; give it plenty of time to prove it.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(cpu_ticks(p), before);

  ASSERT_TRUE(cg_->thaw("g/s", 10s).ok());
  EXPECT_EQ(knob(*cg_, Controller::Freezer, "g/s", "freezer.state"), "THAWED");
  EXPECT_TRUE(eventually([&] { return cpu_ticks(p) > before; }));
}

TEST_F(CgroupV1Real, KillEmptiesTheServiceGroupOnly) {
  ASSERT_TRUE(cg_->create("k/a").ok());
  ASSERT_TRUE(cg_->create("k/b").ok());
  pid_t a = keep(spawn_forker());
  pid_t b = keep(spawn_busy());
  // Attach before the forker's children exist would be racy; attach then wait until
  // its two children appear in the group (children inherit the cgroup).
  ASSERT_TRUE(cg_->attach("k/a", a).ok());
  ASSERT_TRUE(cg_->attach("k/b", b).ok());
  // The forker may have forked before being attached; move any stragglers too.
  ASSERT_TRUE(eventually([&] {
    auto t = corral::read_file("/proc/" + std::to_string(a) + "/task/" + std::to_string(a) + "/children");
    if (!t) return false;
    unsigned n = 0;
    std::size_t pos = 0;
    while (true) {
      char* end = nullptr;
      long c = std::strtol(t->c_str() + pos, &end, 10);
      if (end == t->c_str() + pos) break;
      (void)cg_->attach("k/a", static_cast<pid_t>(c));
      ++n;
      pos = static_cast<std::size_t>(end - t->c_str());
    }
    return n == 2;
  }));
  EXPECT_EQ(cg_->procs("k/a")->size(), 3u);

  auto st = cg_->kill("k/a", 10s);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(cg_->procs("k/a")->empty());
  int status = 0;
  ASSERT_EQ(::waitpid(a, &status, 0), a);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  kids_.erase(kids_.begin());
  // The sibling service is untouched.
  EXPECT_EQ(*cg_->procs("k/b"), std::vector<pid_t>{b});
  EXPECT_EQ(::kill(b, 0), 0);
  ASSERT_TRUE(cg_->kill("k", 10s).ok());  // the whole group: kills b too
  EXPECT_TRUE(cg_->procs("k/b")->empty());
  ASSERT_TRUE(cg_->remove("k").ok());
  EXPECT_FALSE(cg_->exists("k"));
}

// A new cpuset gets its parent's cpus and mems: copied for the first child of a
// group, then by the kernel (cgroup.clone_children) for the rest, also after the
// group is removed and made again. An empty cpuset would refuse the attach.
TEST_F(CgroupV1Real, EveryNewCpusetCanTakeATaskFirstChildOrNot) {
  const std::string root_cpus = knob(*cg_, Controller::Cpuset, "", "cpuset.cpus");
  ASSERT_FALSE(root_cpus.empty());
  for (int round = 0; round < 2; ++round) {
    for (const char* s : {"g/a", "g/b", "g/c/deep"}) {
      ASSERT_TRUE(cg_->create(s).ok()) << s;
      EXPECT_EQ(knob(*cg_, Controller::Cpuset, s, "cpuset.cpus"), root_cpus) << s << ", round " << round;
      EXPECT_FALSE(knob(*cg_, Controller::Cpuset, s, "cpuset.mems").empty()) << s;
      pid_t p = keep(spawn_sleeper());
      auto st = cg_->attach(s, p);
      EXPECT_TRUE(st.ok()) << s << ": " << (st.ok() ? "" : st.error().message);
    }
    EXPECT_EQ(knob(*cg_, Controller::Cpuset, "g", "cgroup.clone_children"), "1");
    // corral's root may be shared with others: left as it was.
    EXPECT_EQ(knob(*cg_, Controller::Cpuset, "", "cgroup.clone_children"), "0");
    ASSERT_TRUE(cg_->kill("g", 10s).ok());
    for (pid_t p : kids_) ::waitpid(p, nullptr, 0);
    kids_.clear();
    ASSERT_TRUE(cg_->remove("g").ok());
  }
}
