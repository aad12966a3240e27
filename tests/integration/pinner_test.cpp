// SPDX-License-Identifier: Apache-2.0
// Pinner on real processes: every thread placed, and a thread created later is
// pinned by the next rescan.

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "corral/sched/pinner.hpp"
#include "late_thread_process.hpp"

using namespace corral::sched;
using namespace std::chrono_literals;


TEST(Pinner, PinsEveryThreadAndLateThreadsOnRescan) {
  auto topo = CpuTopology::read();
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  LateThreadProcess h;
  ASSERT_GT(h.pid, 0);
  ASSERT_TRUE(h.ready());

  auto placement = make_placement(*topo, {}, PinMode::Spread);
  ASSERT_TRUE(placement.ok());
  Pinner pinner(h.pid, *placement);
  auto n = pinner.apply();
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(*get_affinity(h.pid), std::vector<int>{placement->cpu_for(0)});

  ASSERT_TRUE(h.start_second_thread());
  // Wait for the new thread, then rescan on an interval until it is placed.
  pid_t late = -1;
  auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end && late < 0) {
    auto tids = list_threads(h.pid);
    ASSERT_TRUE(tids.ok());
    if (tids->size() == 2) late = tids->at(1);
    else std::this_thread::sleep_for(10ms);
  }
  ASSERT_GT(late, 0) << "helper never started its second thread";
  // The new thread inherited the main thread's single-CPU mask; one rescan must move
  // it to the next slot of the placement.
  auto again = pinner.rescan();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 1u);
  EXPECT_EQ(*get_affinity(late), std::vector<int>{placement->cpu_for(1)});
  EXPECT_EQ(pinner.placed().size(), 2u);
  EXPECT_EQ(pinner.placed().at(late), placement->cpu_for(1));
  // Nothing new: a rescan places nothing.
  EXPECT_EQ(*pinner.rescan(), 0u);
}

TEST(Pinner, NoneSetsTheProcessMaskOnEveryThread) {
  auto topo = CpuTopology::read();
  ASSERT_TRUE(topo.ok());
  LateThreadProcess h;
  ASSERT_TRUE(h.ready());
  auto placement = make_placement(*topo, {topo->online().front()}, PinMode::None);
  ASSERT_TRUE(placement.ok());
  Pinner pinner(h.pid, *placement);
  ASSERT_TRUE(pinner.apply().ok());
  EXPECT_EQ(*get_affinity(h.pid), std::vector<int>{topo->online().front()});
}

TEST(Pinner, VanishedProcessIsAnError) {
  auto topo = CpuTopology::read();
  ASSERT_TRUE(topo.ok());
  pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  ::waitpid(p, nullptr, 0);
  Pinner pinner(p, *make_placement(*topo, {}, PinMode::Spread));
  auto r = pinner.apply();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(std::to_string(p)), std::string::npos);
}
