// SPDX-License-Identifier: Apache-2.0
// Policy parsing, time units, the estimator's two predictors, Turnaround, the
// decision core's corner cases and the Gantt renderings.
#include <gtest/gtest.h>

#include "corral/jobs/admission_queue.hpp"
#include "corral/jobs/estimator.hpp"
#include "corral/jobs/gantt.hpp"
#include "corral/jobs/policy.hpp"
#include "corral/jobs/time_units.hpp"
#include "corral/jobs/turnaround.hpp"

using namespace corral::jobs;

TEST(JobsPolicy, ParsesNamesAndQuanta) {
  auto rr = make_policy("rr", "4", 1000);
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr->kind, PolicyKind::Rr);
  EXPECT_EQ(rr->slice(0), 4000);
  auto fb = make_policy("fb", "2^i", 1000);
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fb->slice(0), 1000);
  EXPECT_EQ(fb->slice(3), 8000);
  EXPECT_EQ(fb->slice(200), kForever);
  EXPECT_EQ(describe(*fb, 1000), "fb q=2^i");
  EXPECT_EQ(make_policy("spn", "", 1000)->slice(0), kForever);
  EXPECT_EQ(make_policy("rr", "", 1000)->quantum, 1000);  // default: one unit
  EXPECT_FALSE(make_policy("sjf", "", 1000).ok());
  EXPECT_FALSE(make_policy("rr", "2^i", 1000).ok());
  EXPECT_FALSE(make_policy("fcfs", "2", 1000).ok());
  EXPECT_FALSE(make_policy("rr", "0", 1000).ok());
  EXPECT_FALSE(make_policy("rr", "-1", 1000).ok());
}

TEST(JobsPolicy, TimeUnits) {
  EXPECT_EQ(*parse_units("3", 1000), 3000);
  EXPECT_EQ(*parse_units("0.25", 1000), 250);
  EXPECT_EQ(*parse_units("2.", 1000), 2000);
  EXPECT_FALSE(parse_units("0.0001", 1000).ok());
  EXPECT_FALSE(parse_units("1e3", 1000).ok());
  EXPECT_FALSE(parse_units(".", 1000).ok());
  EXPECT_FALSE(parse_units("99999999999999999999", 1000).ok());
  EXPECT_EQ(format_units(2500, 1000), "2.5");
  EXPECT_EQ(format_units(3000, 1000), "3");
  EXPECT_EQ(format_units(1005, 1000), "1.005");
}

// The simple average: T = 6, 4, 6, 4, 13 gives S(2..6) = 6, 5, 5.33, 5, 6.6.
TEST(JobsEstimator, SimpleAverage) {
  Estimator e;
  EXPECT_FALSE(e.predict("build").has_value());
  double expected[] = {6, 5, 16.0 / 3, 5, 6.6};
  double actual[] = {6, 4, 6, 4, 13};
  for (int i = 0; i < 5; ++i) {
    e.observe("build", actual[i]);
    EXPECT_NEAR(*e.predict("build"), expected[i], 1e-12) << "after run " << i + 1;
  }
  EXPECT_FALSE(e.predict("other").has_value());
}

// Exponential averaging, α = 0.8: S(2) = 6, S(3) = 0.8·4 + 0.2·6 = 4.4,
// S(4) = 0.8·6 + 0.2·4.4 = 5.68.
TEST(JobsEstimator, ExponentialAveraging) {
  auto spec = parse_estimator("exponential:0.8");
  ASSERT_TRUE(spec.ok());
  Estimator e(*spec);
  e.observe("x", 6);
  e.observe("x", 4);
  EXPECT_NEAR(*e.predict("x"), 4.4, 1e-12);
  e.observe("x", 6);
  EXPECT_NEAR(*e.predict("x"), 5.68, 1e-12);
  EXPECT_EQ(parse_estimator("exponential")->alpha, 0.5);
  EXPECT_EQ(parse_estimator("average")->kind, EstimatorSpec::Kind::Average);
  EXPECT_FALSE(parse_estimator("exponential:0").ok());
  EXPECT_FALSE(parse_estimator("exponential:1.5").ok());
  EXPECT_FALSE(parse_estimator("exponentialx").ok());
  EXPECT_FALSE(parse_estimator("median").ok());
}

TEST(JobsTurnaround, FiguresAndMeans) {
  Turnaround t{2, 6, 9};
  EXPECT_EQ(t.turnaround(), 7);
  EXPECT_EQ(t.waiting(), 1);
  EXPECT_DOUBLE_EQ(t.normalized(), 7.0 / 6);
  auto m = mean_turnaround({{0, 3, 3}, {2, 6, 9}, {0, 0, 4}});
  EXPECT_EQ(m.count, 3u);
  EXPECT_DOUBLE_EQ(m.turnaround, (3 + 7 + 4) / 3.0);
  EXPECT_DOUBLE_EQ(m.normalized, (1 + 7.0 / 6) / 2);  // the job without service is left out
}

TEST(JobsAdmissionQueue, RespectsSlotsAndRejectsDuplicates) {
  AdmissionQueue q(*make_policy("fcfs", "", 1), 2);
  for (JobId id = 1; id <= 5; ++id) ASSERT_TRUE(q.arrive(id, 0, 0).ok());
  EXPECT_FALSE(q.arrive(3, 0, 0).ok());
  auto d = q.decide(0);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].id, 1u);
  EXPECT_EQ(d[1].id, 2u);
  EXPECT_EQ(q.running(), 2u);
  EXPECT_EQ(q.waiting(), 3u);
  q.remove(2);
  d = q.decide(5);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].id, 3u);
  EXPECT_EQ(q.next_expiry(), kForever);
}

TEST(JobsAdmissionQueue, RoundRobinExpiryAndMeasuredService) {
  AdmissionQueue q(*make_policy("rr", "10", 1), 1);
  ASSERT_TRUE(q.arrive(1, 0, 0).ok());
  ASSERT_TRUE(q.arrive(2, 0, 0).ok());
  auto d = q.decide(0);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(q.next_expiry(), 10);
  EXPECT_TRUE(q.decide(9).empty());
  q.set_used(1, 4, 9);  // it really got 4 of those 9 (it slept)
  // A quantum is service: 6 more to go, so it runs on (as if CPU-bound, until 15).
  EXPECT_TRUE(q.decide(10).empty());
  EXPECT_EQ(q.next_expiry(), 15);
  q.set_used(1, 5, 19);  // it slept on: at twice the slice of wall time it gives way
  d = q.decide(20);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, Decision::Kind::Preempt);
  EXPECT_EQ(d[0].id, 1u);
  EXPECT_EQ(d[1].kind, Decision::Kind::Dispatch);
  EXPECT_EQ(d[1].id, 2u);
  EXPECT_EQ(q.find(1)->used, 6);
  // Job 2 alone after job 1 leaves: it keeps its slot at expiry.
  q.remove(1);
  EXPECT_TRUE(q.decide(30).empty());
  EXPECT_EQ(q.next_expiry(), 40);
}

// A CPU-bound job that lost a little of its slice (a thaw, an exec) gets it back
// before it yields: it is not sent to the back of the queue a few ms short.
TEST(JobsAdmissionQueue, RoundRobinQuantumIsServiceNotWallTime) {
  AdmissionQueue q(*make_policy("rr", "10", 1), 1);
  ASSERT_TRUE(q.arrive(1, 0, 0).ok());
  ASSERT_TRUE(q.arrive(2, 0, 0).ok());
  ASSERT_EQ(q.decide(0).size(), 1u);
  q.set_used(1, 9, 10);
  EXPECT_TRUE(q.decide(10).empty());
  EXPECT_EQ(q.next_expiry(), 11);
  q.set_used(1, 10, 11);
  auto d = q.decide(11);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].id, 1u);
  // Job 2's quantum counts from its own dispatch and its own service.
  EXPECT_EQ(q.next_expiry(), 21);
  q.set_used(2, 3, 14);  // two CPUs: it gets 3 in 3
  EXPECT_EQ(q.next_expiry(), 21);
  q.set_used(2, 10, 15);  // ... and its whole slice by 15
  d = q.decide(15);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, Decision::Kind::Preempt);
  EXPECT_EQ(d[0].id, 2u);
}

// corrald's SRT treats remaining times within its granularity as a tie (the
// earlier arrival keeps the CPU); a clearly shorter newcomer still preempts.
TEST(JobsAdmissionQueue, ShortestRemainingTimeTiesWithinTheGranularity) {
  for (Tick granularity : {Tick{0}, Tick{10}}) {
    AdmissionQueue q(*make_policy("srt", "", 1), 1);
    q.set_granularity(granularity);
    ASSERT_TRUE(q.arrive(1, 0, 100).ok());
    ASSERT_EQ(q.decide(0).size(), 1u);
    ASSERT_TRUE(q.arrive(2, 1, 97).ok());  // 97 left against 99
    auto d = q.decide(1);
    if (granularity == 0) {
      ASSERT_EQ(d.size(), 2u) << "exact: 97 < 99 preempts";
      EXPECT_EQ(d[0].id, 1u);
      continue;
    }
    EXPECT_TRUE(d.empty()) << "within 10: a tie, the earlier arrival runs on";
    ASSERT_TRUE(q.arrive(3, 2, 50).ok());
    d = q.decide(2);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].kind, Decision::Kind::Preempt);
    EXPECT_EQ(d[0].id, 1u);
    EXPECT_EQ(d[1].id, 3u);
  }
}

TEST(JobsGantt, TextAndSvg) {
  auto r = simulate(*parse_job_set("A:0:3,B:2:6,C:4:4,D:6:5,E:8:2"), *make_policy("fcfs", "", kSimUnit));
  ASSERT_TRUE(r.ok());
  auto chart = gantt_of(*r);
  std::string text = render_gantt_text(chart);
  EXPECT_EQ(text,
            "fcfs\n"
            "A |\u2588\u2588\u2588                 |\n"
            "B |   \u2588\u2588\u2588\u2588\u2588\u2588           |\n"
            "C |         \u2588\u2588\u2588\u2588       |\n"
            "D |             \u2588\u2588\u2588\u2588\u2588  |\n"
            "E |                  \u2588\u2588|\n"
            "   0    5    10   15   20\n");
  std::string svg = render_gantt_svg(chart);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<title>C 9-13</title>"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // A long chart is compressed into columns of several units.
  auto wide = simulate(*parse_job_set("W:0:1,X:1:100,Y:2:1,Z:3:100"), *make_policy("fcfs", "", kSimUnit));
  ASSERT_TRUE(wide.ok());
  std::string compressed = render_gantt_text(gantt_of(*wide), 72);
  EXPECT_NE(compressed.find("one column = 3 time units"), std::string::npos) << compressed;
}
