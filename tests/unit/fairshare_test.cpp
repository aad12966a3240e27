// SPDX-License-Identifier: Apache-2.0
// The FSS formula against a trace worked by hand, and the nice controller against a
// model of CFS (CPU shared in proportion to the kernel's nice weights).
#include <cmath>

#include <gtest/gtest.h>

#include "corral/fairshare/fss.hpp"
#include "corral/fairshare/nice_controller.hpp"

using namespace corral::fairshare;

TEST(Fss, NormaliseWeights) {
  auto w = normalise_weights({{1, 100}, {2, 200}, {3, 400}});
  EXPECT_DOUBLE_EQ(w[1], 1.0 / 7);
  EXPECT_DOUBLE_EQ(w[2], 2.0 / 7);
  EXPECT_DOUBLE_EQ(w[3], 4.0 / 7);
  auto z = normalise_weights({{1, 0}, {2, 0}});
  EXPECT_DOUBLE_EQ(z[1], 0.5);
}

// Process A alone in group 1, B and C in group 2, W1 = W2 = 0.5, Base = 60, and
// 60 ticks per interval, each interval given to the process with the lowest P at its
// start (ties: alphabetical). The classic textbook example.
TEST(Fss, HandWorkedTraceEqualWeights) {
  FssState s;
  s.groups[1] = {0.5, 0};
  s.groups[2] = {0.5, 0};
  const pid_t A = 1, B = 2, C = 3;
  s.procs[A] = {1, 60, 0, 60};
  s.procs[B] = {2, 60, 0, 60};
  s.procs[C] = {2, 60, 0, 60};

  // Interval 1: A runs 60 ticks.
  //   CPU_A = (0+60)/2 = 30, GCPU_1 = (0+60)/2 = 30
  //   P_A = 60 + 30/2 + 30/(4*0.5) = 60 + 15 + 15 = 90
  //   P_B = P_C = 60 + 0 + 0 = 60
  s = fss_interval(s, {{A, 60}});
  EXPECT_DOUBLE_EQ(s.procs[A].cpu, 30);
  EXPECT_DOUBLE_EQ(s.groups[1].gcpu, 30);
  EXPECT_DOUBLE_EQ(s.procs[A].priority, 90);
  EXPECT_DOUBLE_EQ(s.procs[B].priority, 60);
  EXPECT_DOUBLE_EQ(s.procs[C].priority, 60);

  // Interval 2: B runs (60 < 90; B before C on the tie).
  //   CPU_A = 30/2 = 15, GCPU_1 = 15, P_A = 60 + 7.5 + 15/2 = 75
  //   CPU_B = (0+60)/2 = 30, GCPU_2 = (0+60)/2 = 30, P_B = 60 + 15 + 30/2 = 90
  //   CPU_C = 0, P_C = 60 + 0 + 30/2 = 75   (C pays for its group-mate)
  s = fss_interval(s, {{B, 60}});
  EXPECT_DOUBLE_EQ(s.procs[A].priority, 75);
  EXPECT_DOUBLE_EQ(s.procs[B].priority, 90);
  EXPECT_DOUBLE_EQ(s.procs[C].priority, 75);

  // Interval 3: A runs (75, before C on the tie).
  //   CPU_A = (15+60)/2 = 37.5, GCPU_1 = 37.5, P_A = 60 + 18.75 + 37.5/2 = 97.5
  //   CPU_B = 30/2 = 15, GCPU_2 = 30/2 = 15, P_B = 60 + 7.5 + 15/2 = 75
  //   P_C = 60 + 0 + 15/2 = 67.5
  s = fss_interval(s, {{A, 60}});
  EXPECT_DOUBLE_EQ(s.procs[A].priority, 97.5);
  EXPECT_DOUBLE_EQ(s.procs[B].priority, 75);
  EXPECT_DOUBLE_EQ(s.procs[C].priority, 67.5);

  // Interval 4: C runs (67.5 is lowest).
  //   CPU_A = 37.5/2 = 18.75, GCPU_1 = 18.75, P_A = 60 + 9.375 + 18.75/2 = 78.75
  //   CPU_B = 15/2 = 7.5, GCPU_2 = (15+60)/2 = 37.5, P_B = 60 + 3.75 + 37.5/2 = 82.5
  //   CPU_C = (0+60)/2 = 30, P_C = 60 + 15 + 37.5/2 = 93.75
  s = fss_interval(s, {{C, 60}});
  EXPECT_DOUBLE_EQ(s.procs[A].priority, 78.75);
  EXPECT_DOUBLE_EQ(s.procs[B].priority, 82.5);
  EXPECT_DOUBLE_EQ(s.procs[C].priority, 93.75);
  // Over four intervals group 1 got 120 ticks and group 2 got 120: its 50 %.
}

// Unequal weights: x in group X (weight 100), y in group Y (weight 300), so
// W_X = 100/400 = 0.25 and W_Y = 0.75. Base 0. Both run in each interval.
TEST(Fss, HandWorkedTraceUnequalWeights) {
  auto w = normalise_weights({{1, 100}, {2, 300}});
  FssState s;
  s.groups[1] = {w[1], 0};
  s.groups[2] = {w[2], 0};
  s.procs[10] = {1, 0, 0, 0};
  s.procs[20] = {2, 0, 0, 0};
  // Interval 1: x 40 ticks, y 20 ticks.
  //   CPU_x = 20, GCPU_X = 20, P_x = 20/2 + 20/(4*0.25) = 10 + 20 = 30
  //   CPU_y = 10, GCPU_Y = 10, P_y = 10/2 + 10/(4*0.75) = 5 + 3.333... = 8.333...
  s = fss_interval(s, {{10, 40}, {20, 20}});
  EXPECT_DOUBLE_EQ(s.procs[10].priority, 30);
  EXPECT_NEAR(s.procs[20].priority, 5 + 10.0 / 3, 1e-12);
  // Interval 2: x 10 ticks, y 50 ticks.
  //   CPU_x = (20+10)/2 = 15, GCPU_X = 15, P_x = 7.5 + 15/1 = 22.5
  //   CPU_y = (10+50)/2 = 30, GCPU_Y = 30, P_y = 15 + 30/3 = 25
  s = fss_interval(s, {{10, 10}, {20, 50}});
  EXPECT_DOUBLE_EQ(s.procs[10].priority, 22.5);
  EXPECT_DOUBLE_EQ(s.procs[20].priority, 25);
  // Interval 3: nobody runs: everything halves.
  //   CPU_x = 7.5, GCPU_X = 7.5, P_x = 3.75 + 7.5 = 11.25
  //   CPU_y = 15, GCPU_Y = 15, P_y = 7.5 + 5 = 12.5
  s = fss_interval(s, {});
  EXPECT_DOUBLE_EQ(s.procs[10].priority, 11.25);
  EXPECT_DOUBLE_EQ(s.procs[20].priority, 12.5);
}

namespace {
// CFS's sched_prio_to_weight for nice 0..19.
constexpr double kNiceWeight[20] = {1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
                                    110,  87,  70,  56,  45,  36,  29,  23,  18,  15};
}  // namespace

TEST(NiceController, ConvergesOnAModelOfCfs) {
  // Two busy processes per group, weights 100:200:400, 2 CPUs x 100 ticks per interval.
  NiceController ctl({{1, 100}, {2, 200}, {3, 400}});
  std::map<pid_t, int> group_of{{11, 1}, {12, 1}, {21, 2}, {22, 2}, {31, 3}, {32, 3}};
  std::map<pid_t, std::uint64_t> ticks;
  std::map<pid_t, int> nice;
  for (auto& [p, g] : group_of) ticks[p] = 0, nice[p] = 0;
  std::map<int, double> got;
  for (int i = 0; i < 40; ++i) {
    double wsum = 0;
    for (auto& [p, n] : nice) wsum += kNiceWeight[n];
    std::map<int, double> used;
    for (auto& [p, n] : nice) {
      double t = 200.0 * kNiceWeight[n] / wsum;
      ticks[p] += static_cast<std::uint64_t>(std::lround(t));
      if (i >= 20) got[group_of[p]] += t;
    }
    nice = ctl.update(ticks, group_of);
    for (auto& [p, n] : nice) {
      EXPECT_GE(n, 0);
      EXPECT_LE(n, 19);
    }
  }
  double total = got[1] + got[2] + got[3];
  EXPECT_NEAR(got[1] / total, 1.0 / 7, 0.02);
  EXPECT_NEAR(got[2] / total, 2.0 / 7, 0.02);
  EXPECT_NEAR(got[3] / total, 4.0 / 7, 0.02);
  // The heaviest group runs at the base nice, the lightest about log1.25(4) = 6.2 higher.
  EXPECT_NEAR(ctl.offset(3), 0, 0.01);
  EXPECT_NEAR(ctl.offset(1), 6.2, 1.0);
}

TEST(NiceController, ForgetsProcessesThatLeftAndIgnoresUnknownGroups) {
  NiceController ctl(std::map<int, double>{{1, 1.0}, {2, 1.0}});
  auto n = ctl.update({{5, 10}, {6, 10}, {7, 10}}, {{5, 1}, {6, 2}, {7, 99}});
  EXPECT_EQ(n.count(7), 0u);
  EXPECT_EQ(ctl.state().procs.size(), 2u);
  n = ctl.update({{5, 20}}, {{5, 1}});
  EXPECT_EQ(ctl.state().procs.size(), 1u);
  EXPECT_EQ(n.size(), 1u);
}
