// SPDX-License-Identifier: Apache-2.0
// WaitGraph and analyze() on the textbook's deadlock examples and look-alikes.
#include <gtest/gtest.h>

#include <algorithm>

#include "corral/waits/snapshot.hpp"
#include "corral/waits/wait_graph.hpp"

using namespace corral::waits;
using NodeId = WaitGraph::NodeId;

namespace {

// Snapshot helpers: single-threaded processes, one resource per name.
struct Builder {
  Snapshot s;
  std::size_t res(const std::string& name, WaitMode mode = WaitMode::kAnd,
                  ResourceKind kind = ResourceKind::kFileLock) {
    Resource r;
    r.kind = kind;
    r.key = name;
    r.label = name;
    r.holders_mode = mode;
    return s.add_resource(r);
  }
  void proc(pid_t pid) {
    if (!s.process(pid)) s.processes.push_back({pid, "p" + std::to_string(pid), {pid}, 0, 0, 0, 0, 'S'});
  }
  void holds(pid_t pid, std::size_t r) {
    proc(pid);
    s.holds.push_back({pid, r, "holds"});
  }
  void waits(pid_t pid, std::size_t r) {
    proc(pid);
    s.waits.push_back({pid, pid, r, "waits"});
  }
};

std::vector<pid_t> all_deadlocked(const Report& r) {
  std::vector<pid_t> out;
  for (const auto& d : r.deadlocks) out.insert(out.end(), d.pids.begin(), d.pids.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(WaitGraph, AThenBAgainstBThenAIsACycle) {
  // P1 holds A and wants B; P2 holds B and wants A.
  Builder b;
  auto A = b.res("A"), B = b.res("B");
  b.holds(1, A);
  b.waits(1, B);
  b.holds(2, B);
  b.waits(2, A);
  Report r = analyze(b.s);
  ASSERT_EQ(r.deadlocks.size(), 1u);
  EXPECT_EQ(r.deadlocks[0].pids, (std::vector<pid_t>{1, 2}));
  EXPECT_EQ(r.deadlocks[0].resources, (std::vector<std::size_t>{A, B}));
  EXPECT_TRUE(r.blocked.empty());
}

TEST(WaitGraph, FourCarsAtACrossroads) {
  // Car i holds quadrant i and wants quadrant i+1; a fifth car queues behind car 1.
  Builder b;
  std::size_t q[4];
  for (int i = 0; i < 4; ++i) q[i] = b.res("quadrant" + std::to_string(i));
  for (int i = 0; i < 4; ++i) {
    b.holds(10 + i, q[i]);
    b.waits(10 + i, q[(i + 1) % 4]);
  }
  b.waits(20, q[0]);
  Report r = analyze(b.s);
  ASSERT_EQ(r.deadlocks.size(), 1u);
  EXPECT_EQ(r.deadlocks[0].pids, (std::vector<pid_t>{10, 11, 12, 13}));
  ASSERT_EQ(r.blocked.size(), 1u);  // the fifth car waits on the deadlock, is not in it
  EXPECT_EQ(b.s.waits[r.blocked[0]].pid, 20);
  EXPECT_TRUE(r.waits_on_deadlock[0]);
}

TEST(WaitGraph, ConsumableResourcesEachReceiveBeforeSend) {
  // P1 receives from mailbox M1 (only P2 sends there) before it sends to M2; P2 receives
  // from M2 (only P1 sends there) first. Consumable resources: the producers "hold" the
  // ability to send, and any producer would do (OR) -- here each has just one. A knot.
  Builder b;
  auto m1 = b.res("M1", WaitMode::kOr, ResourceKind::kMessage);
  auto m2 = b.res("M2", WaitMode::kOr, ResourceKind::kMessage);
  b.holds(2, m1);
  b.holds(1, m2);
  b.waits(1, m1);
  b.waits(2, m2);
  EXPECT_EQ(all_deadlocked(analyze(b.s)), (std::vector<pid_t>{1, 2}));
}

TEST(WaitGraph, BenignLookAlikeOrCycleWithAnEscapeIsNotADeadlock) {
  // The same receive-before-send cycle, but M1 has a second producer P3 that is running:
  // there is a cycle, not a knot, so nobody is deadlocked.
  Builder b;
  auto m1 = b.res("M1", WaitMode::kOr, ResourceKind::kPipe);
  auto m2 = b.res("M2", WaitMode::kOr, ResourceKind::kPipe);
  b.holds(2, m1);
  b.holds(3, m1);
  b.holds(1, m2);
  b.waits(1, m1);
  b.waits(2, m2);
  Report r = analyze(b.s);
  EXPECT_TRUE(r.deadlocks.empty());
  EXPECT_EQ(r.blocked.size(), 2u);
  EXPECT_FALSE(r.waits_on_deadlock[0]);
  EXPECT_FALSE(r.waits_on_deadlock[1]);
}

TEST(WaitGraph, BenignSharedReadLocksHaveNoWaits) {
  // Two readers of the same file and range: both hold, nobody waits.
  Builder b;
  auto r1 = b.res("R-read-by-1"), r2 = b.res("R-read-by-2");
  b.holds(1, r1);
  b.holds(2, r2);
  Report r = analyze(b.s);
  EXPECT_TRUE(r.deadlocks.empty());
  EXPECT_TRUE(r.blocked.empty());
}

TEST(WaitGraph, LiveThreadMeansTheProcessIsNotStuck) {
  // P1 and P2 are in the A/B cycle, but P1 has a second thread that is running: it may
  // still release A, so the graph must not call this a deadlock.
  Builder b;
  auto A = b.res("A"), B = b.res("B");
  b.holds(1, A);
  b.waits(1, B);
  b.holds(2, B);
  b.waits(2, A);
  b.s.processes[0].tids.push_back(101);
  EXPECT_TRUE(analyze(b.s).deadlocks.empty());
  // Once the second thread is blocked too (on B as well), the cycle is a deadlock.
  b.s.waits.push_back({1, 101, B, "waits"});
  EXPECT_EQ(all_deadlocked(analyze(b.s)), (std::vector<pid_t>{1, 2}));
}

TEST(WaitGraph, FreeNowResourceBreaksTheCycle) {
  Builder b;
  auto A = b.res("A"), B = b.res("B");
  b.holds(1, A);
  b.waits(1, B);
  b.holds(2, B);
  b.waits(2, A);
  b.s.resources[B].free_now = true;  // e.g. an instance is left, the banker deferred
  EXPECT_TRUE(analyze(b.s).deadlocks.empty());
}

TEST(WaitGraph, TarjanFindsComponentsAndKnots) {
  WaitGraph g;
  for (int i = 0; i < 6; ++i) g.add_node(NodeKind::kProcess, WaitMode::kOr);
  // 0 <-> 1 is a knot; 2 -> 3 -> 2 with 3 -> 4 (escape) is a cycle, not a knot; 5 self-loop.
  g.add_edge(0, 1);
  g.add_edge(1, 0);
  g.add_edge(2, 3);
  g.add_edge(3, 2);
  g.add_edge(3, 4);
  g.add_edge(5, 5);
  EXPECT_EQ(g.cycles().size(), 3u);
  auto knots = g.knots();
  ASSERT_EQ(knots.size(), 2u);
  EXPECT_EQ(knots[0], (std::vector<NodeId>{0, 1}));
  EXPECT_EQ(knots[1], (std::vector<NodeId>{5}));
  auto dead = g.deadlocked();
  EXPECT_TRUE(dead[0] && dead[1] && dead[5]);
  EXPECT_FALSE(dead[2] || dead[3] || dead[4]);
}

TEST(WaitGraph, AndNodeNeedsEverySuccessor) {
  WaitGraph g;
  NodeId a = g.add_node(NodeKind::kThread, WaitMode::kAnd);
  NodeId b = g.add_node(NodeKind::kThread, WaitMode::kAnd);
  NodeId free_node = g.add_node(NodeKind::kProcess, WaitMode::kAnd);
  g.add_edge(a, b);
  g.add_edge(b, a);
  g.add_edge(a, free_node);  // a also needs free_node: still stuck, because of b
  auto dead = g.deadlocked();
  EXPECT_TRUE(dead[a]);
  EXPECT_TRUE(dead[b]);
  EXPECT_FALSE(dead[free_node]);
}

TEST(WaitGraph, MillionNodeChainDoesNotOverflowTheStack) {
  // A single path of 1,000,000 nodes closed into a ring: recursion would need a frame per node.
  constexpr std::uint32_t n = 1'000'000;
  WaitGraph g;
  g.reserve(n, n);
  for (std::uint32_t i = 0; i < n; ++i) g.add_node(NodeKind::kProcess, WaitMode::kAnd);
  for (std::uint32_t i = 0; i < n; ++i) g.add_edge(i, (i + 1) % n);
  auto cycles = g.cycles();
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0].size(), n);
  EXPECT_EQ(g.knots().size(), 1u);
}
