// SPDX-License-Identifier: Apache-2.0
// Victim choice for recovery: least CPU, fewest held, lowest priority, youngest.
#include <gtest/gtest.h>

#include "corral/waits/victim.hpp"

using namespace corral::waits;

namespace {
Snapshot three_processes() {
  Snapshot s;
  s.processes.push_back({1, "a", {1}, 500, 100, 20, 0, 'S'});
  s.processes.push_back({2, "b", {2}, 100, 200, 20, 0, 'S'});
  s.processes.push_back({3, "c", {3}, 100, 300, 20, 0, 'S'});
  Resource r;
  for (int i = 0; i < 3; ++i) {
    r.key = "r" + std::to_string(i);
    s.add_resource(r);
  }
  s.holds = {{1, 0, ""}, {2, 1, ""}, {3, 2, ""}, {2, 0, ""}};
  return s;
}
}  // namespace

TEST(Victim, LeastCpuFirstThenFewestHeld) {
  Snapshot s = three_processes();
  Deadlock d{{1, 2, 3}, {0, 1, 2}};
  auto v = choose_victim(s, d, {1, 2, 3});
  ASSERT_TRUE(v);
  // 2 and 3 tie on CPU (100); 3 holds one resource, 2 holds two.
  EXPECT_EQ(v->pid, 3);
  EXPECT_NE(v->reason.find("fewest resources"), std::string::npos) << v->reason;
}

TEST(Victim, LowestPriorityThenYoungest) {
  Snapshot s = three_processes();
  s.holds = {{1, 0, ""}, {2, 1, ""}, {3, 2, ""}};
  s.processes[1].priority = 30;  // larger kernel priority value = lower priority
  Deadlock d{{1, 2, 3}, {0, 1, 2}};
  EXPECT_EQ(choose_victim(s, d, {1, 2, 3})->pid, 2);
  s.processes[1].priority = 20;
  auto v = choose_victim(s, d, {1, 2, 3});
  EXPECT_EQ(v->pid, 3);  // started last
  EXPECT_NE(v->reason.find("youngest"), std::string::npos);
}

TEST(Victim, OnlyProcessesWeMaySignal) {
  Snapshot s = three_processes();
  Deadlock d{{1, 2, 3}, {0, 1, 2}};
  EXPECT_EQ(choose_victim(s, d, {1})->pid, 1);
  EXPECT_FALSE(choose_victim(s, d, {}).has_value());
}
