// SPDX-License-Identifier: Apache-2.0
// corralctl sched / pin / topology on real processes: every SCHED policy set with
// `corralctl sched` and read back with sched_getattr on every thread.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "corral/sched/apply.hpp"
#include "corral/sched/pinner.hpp"
#include "corral/sched/topology.hpp"
#include "late_thread_process.hpp"
#include "program_dir.hpp"

using namespace corral::sched;
using namespace std::chrono_literals;

namespace {

struct Run {
  int status = -1;
  std::string out;
};

Run corralctl(const std::string& args) {
  std::string cmd = corral::testing::program_dir() + "/tools/corralctl " + args + " 2>&1";
  Run r;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) r.out.append(buf, n);
  int st = ::pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The late-thread helper, made to start its second thread at once so the process
// has two threads for the whole test.
struct TwoThreads : LateThreadProcess {
  TwoThreads() {
    if (!ready() || !start_second_thread()) stop();
  }
  bool wait_threads(std::size_t n) {
    auto end = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < end) {
      auto t = list_threads(pid);
      if (t && t->size() == n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

void expect_all_threads(pid_t pid, Policy policy, unsigned prio, std::optional<int> nice) {
  auto tids = list_threads(pid);
  ASSERT_TRUE(tids.ok());
  ASSERT_EQ(tids->size(), 2u);
  for (pid_t tid : *tids) {
    auto s = read(tid);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->policy, policy) << "tid " << tid;
    EXPECT_EQ(s->priority, prio) << "tid " << tid;
    if (nice) {
      EXPECT_EQ(s->nice, nice) << "tid " << tid;
    }
  }
}

}  // namespace

TEST(CorralctlSched, EveryPolicyOnEveryThread) {
  if (::geteuid() != 0) GTEST_SKIP() << "real-time policies need root";
  TwoThreads h;
  ASSERT_GT(h.pid, 0);
  ASSERT_TRUE(h.wait_threads(2));
  std::string pid = std::to_string(h.pid);

  auto r = corralctl("sched " + pid + " --policy fifo --priority 20");
  ASSERT_EQ(r.status, 0) << r.out;
  expect_all_threads(h.pid, Policy::Fifo, 20, std::nullopt);

  r = corralctl("sched " + pid + " --policy rr --priority 7");
  ASSERT_EQ(r.status, 0) << r.out;
  expect_all_threads(h.pid, Policy::RoundRobin, 7, std::nullopt);

  r = corralctl("sched " + pid + " --policy batch --nice 5");
  ASSERT_EQ(r.status, 0) << r.out;
  expect_all_threads(h.pid, Policy::Batch, 0, 5);

  r = corralctl("sched " + pid + " --policy idle");
  ASSERT_EQ(r.status, 0) << r.out;
  expect_all_threads(h.pid, Policy::Idle, 0, std::nullopt);

  r = corralctl("sched " + pid + " --policy other --nice -3");
  ASSERT_EQ(r.status, 0) << r.out;
  expect_all_threads(h.pid, Policy::Other, 0, -3);

  // Only --nice: the policy stays.
  r = corralctl("sched " + pid + " --nice 2");
  ASSERT_EQ(r.status, 0) << r.out;
  expect_all_threads(h.pid, Policy::Other, 0, 2);

  r = corralctl("sched " + pid + " --policy deadline --runtime 2ms --deadline 20ms --period 40ms");
  ASSERT_EQ(r.status, 0) << r.out;
  auto dl_tids = list_threads(h.pid);
  ASSERT_TRUE(dl_tids.ok());
  for (pid_t tid : *dl_tids) {
    auto s = read(tid);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->policy, Policy::Deadline);
    EXPECT_EQ(s->runtime_ns, 2000000u);
    EXPECT_EQ(s->deadline_ns, 20000000u);
    EXPECT_EQ(s->period_ns, 40000000u);
  }

  // The show form prints each thread, and --json is one document.
  r = corralctl("sched " + pid + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["pid"], h.pid);
  ASSERT_EQ(j["threads"].size(), 2u);
  EXPECT_EQ(j["threads"][1]["policy"], "deadline");
  EXPECT_EQ(j["threads"][1]["period_ns"], 40000000u);
}

TEST(CorralctlSched, BadInputIsAUsageError) {
  TwoThreads h;
  ASSERT_GT(h.pid, 0);
  std::string pid = std::to_string(h.pid);
  auto r = corralctl("sched " + pid + " --policy fifo");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("1..99"), std::string::npos) << r.out;
  EXPECT_EQ(corralctl("sched " + pid + " --policy other --priority 3").status, 2);
  EXPECT_EQ(corralctl("sched " + pid + " --policy deadline --runtime 2ms").status, 2);
  EXPECT_EQ(corralctl("sched " + pid + " --policy bogus").status, 2);
  EXPECT_EQ(corralctl("pin " + pid + " --cpus 3-1").status, 2);
  EXPECT_EQ(corralctl("pin " + pid + " --threads diagonal").status, 2);
  // A process that does not exist: the request fails (1), naming the pid.
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  r = corralctl("sched " + std::to_string(gone));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(std::to_string(gone)), std::string::npos) << r.out;
}

TEST(CorralctlPin, SpreadPinsEveryThreadAndTopologyJson) {
  auto topo = CpuTopology::read();
  ASSERT_TRUE(topo.ok());
  TwoThreads h;
  ASSERT_GT(h.pid, 0);
  ASSERT_TRUE(h.wait_threads(2));
  auto r = corralctl("pin " + std::to_string(h.pid) + " --threads spread --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "spread");
  ASSERT_EQ(j["threads"].size(), 2u);
  auto placement = make_placement(*topo, {}, PinMode::Spread);
  auto tids = list_threads(h.pid);
  for (std::size_t i = 0; i < tids->size(); ++i)
    EXPECT_EQ(*get_affinity(tids->at(i)), std::vector<int>{placement->cpu_for(i)});

  r = corralctl("pin " + std::to_string(h.pid) + " --cpus " + std::to_string(topo->online().back()));
  ASSERT_EQ(r.status, 0) << r.out;
  auto all = list_threads(h.pid);
  ASSERT_TRUE(all.ok());
  for (pid_t tid : *all) EXPECT_EQ(*get_affinity(tid), std::vector<int>{topo->online().back()});

  r = corralctl("topology --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto t = nlohmann::json::parse(r.out);
  EXPECT_EQ(t["cpus"].size(), topo->cpus.size());
  EXPECT_EQ(t["cores"].size(), topo->cores.size());
}
