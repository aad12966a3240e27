// SPDX-License-Identifier: Apache-2.0
// The simulator (and through it AdmissionQueue, the decision core corrald's queues
// use) on the textbook's worked set A(0,3) B(2,6) C(4,4) D(6,5) E(8,2), every
// policy, with the results derived by hand in the comments, and on W X Y Z.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "corral/jobs/simulator.hpp"

using namespace corral::jobs;

namespace {

constexpr Tick U = kSimUnit;

std::vector<SimJob> worked_set() { return *parse_job_set("A:0:3,B:2:6,C:4:4,D:6:5,E:8:2"); }

Policy policy(const char* name, const char* quantum = "") {
  auto p = make_policy(name, quantum, U);
  EXPECT_TRUE(p.ok()) << (p ? "" : p.error().message);
  return *p;
}

std::vector<Tick> finishes(const SimResult& r) {
  std::vector<Tick> out;
  for (const auto& t : r.turnaround) out.push_back(t.finish / U);
  return out;
}

std::vector<Tick> turnarounds(const SimResult& r) {
  std::vector<Tick> out;
  for (const auto& t : r.turnaround) out.push_back(t.turnaround() / U);
  return out;
}

// "A0-3 B3-9": the Gantt chart in whole units, to check the order of the slices too.
std::string gantt_text(const SimResult& r) {
  std::string out;
  for (const auto& s : r.gantt) {
    if (!out.empty()) out += ' ';
    out += r.jobs[s.job].name + std::to_string(s.start / U) + "-" + std::to_string(s.end / U);
  }
  return out;
}

SimResult run(const char* name, const char* quantum = "") {
  auto r = simulate(worked_set(), policy(name, quantum));
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
  return *r;
}

}  // namespace

// FCFS: A 0-3, B 3-9, C 9-13, D 13-18, E 18-20.
// Tr = 3, 7, 9, 12, 12 (mean 8.60); Tr/Ts = 1, 1.17, 2.25, 2.40, 6 (mean 2.56).
TEST(JobsSimulator, WorkedSetFcfs) {
  auto r = run("fcfs");
  EXPECT_EQ(gantt_text(r), "A0-3 B3-9 C9-13 D13-18 E18-20");
  EXPECT_EQ(finishes(r), (std::vector<Tick>{3, 9, 13, 18, 20}));
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{3, 7, 9, 12, 12}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 8.6);
  EXPECT_NEAR(r.means.normalized, (1 + 7.0 / 6 + 9.0 / 4 + 12.0 / 5 + 6) / 5, 1e-12);
  EXPECT_NEAR(r.means.normalized, 2.56, 0.005);
}

// RR q=1 (an arrival at t joins before the job preempted at t):
// A 0-2 (alone at 1, so it keeps going), B 2-3, A 3-4 (done), B 4-5, C 5-6, B 6-7,
// D 7-8, C 8-9, B 9-10, E 10-11, D 11-12, C 12-13, B 13-14, E 14-15 (done),
// D 15-16, C 16-17 (done), B 17-18 (done), D 18-20 (done).
// Finish 4, 18, 17, 20, 15; Tr = 4, 16, 13, 14, 7 (mean 10.80).
TEST(JobsSimulator, WorkedSetRoundRobinQuantum1) {
  auto r = run("rr", "1");
  EXPECT_EQ(gantt_text(r),
            "A0-2 B2-3 A3-4 B4-5 C5-6 B6-7 D7-8 C8-9 B9-10 E10-11 D11-12 C12-13 B13-14 E14-15 D15-16 C16-17 "
            "B17-18 D18-20");
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{4, 16, 13, 14, 7}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 10.8);
}

// RR q=4: A 0-3, B 3-7 (C and D wait), C 7-11, D 11-15 (E arrived at 8, after B
// was requeued at 7), B 15-17, E 17-19, D 19-20.
// Finish 3, 17, 11, 20, 19; Tr = 3, 15, 7, 14, 11 (mean 10.00).
TEST(JobsSimulator, WorkedSetRoundRobinQuantum4) {
  auto r = run("rr", "4");
  EXPECT_EQ(gantt_text(r), "A0-3 B3-7 C7-11 D11-15 B15-17 E17-19 D19-20");
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{3, 15, 7, 14, 11}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 10.0);
}

// SPN: A 0-3, B 3-9; at 9 C(4) D(5) E(2) wait: E 9-11, C 11-15, D 15-20.
// Tr = 3, 7, 11, 14, 3 (mean 7.60).
TEST(JobsSimulator, WorkedSetShortestProcessNext) {
  auto r = run("spn");
  EXPECT_EQ(gantt_text(r), "A0-3 B3-9 E9-11 C11-15 D15-20");
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{3, 7, 11, 14, 3}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 7.6);
}

// SRT: A 0-3 (B's 6 is not shorter than A's 1 left), B 3-4, C arrives at 4 with 4 <
// B's 5: C 4-8 (D's 5 is not shorter than C's 2), E 8-10, then B and D both have 5
// left: the earlier arrival, B 10-15, D 15-20.
// Tr = 3, 13, 4, 14, 2 (mean 7.20).
TEST(JobsSimulator, WorkedSetShortestRemainingTime) {
  auto r = run("srt");
  EXPECT_EQ(gantt_text(r), "A0-3 B3-4 C4-8 E8-10 B10-15 D15-20");
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{3, 13, 4, 14, 2}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 7.2);
}

// HRRN: A 0-3, B 3-9. At 9: C (5+4)/4 = 2.25, D (3+5)/5 = 1.6, E (1+2)/2 = 1.5: C 9-13.
// At 13: D (7+5)/5 = 2.4, E (5+2)/2 = 3.5: E 13-15, D 15-20.
// Tr = 3, 7, 9, 14, 7 (mean 8.00).
TEST(JobsSimulator, WorkedSetHighestResponseRatioNext) {
  auto r = run("hrrn");
  EXPECT_EQ(gantt_text(r), "A0-3 B3-9 C9-13 E13-15 D15-20");
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{3, 7, 9, 14, 7}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 8.0);
}

// FB q=1: A 0-2 (alone at 1: not demoted), demoted at 2 when B arrives; B 2-3 (to
// queue 1 behind A); A 3-4 (done); C 4-5 (to 1); B 5-6 (to 2); D 6-7 (to 1);
// C 7-8 (to 2); E 8-9 (to 1); D 9-10 (to 2); E 10-11 (done); queue 2: B 11-12,
// C 12-13, D 13-14 (all to 3); B 14-15, C 15-16 (done), D 16-17, B 17-18, D 18-19
// (done), B 19-20 (done).
// Finish 4, 20, 16, 19, 11; Tr = 4, 18, 12, 13, 3 (mean 10.00).
TEST(JobsSimulator, WorkedSetFeedbackQuantum1) {
  auto r = run("fb", "1");
  EXPECT_EQ(gantt_text(r),
            "A0-2 B2-3 A3-4 C4-5 B5-6 D6-7 C7-8 E8-9 D9-10 E10-11 B11-12 C12-13 D13-14 B14-15 C15-16 D16-17 "
            "B17-18 D18-19 B19-20");
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{4, 18, 12, 13, 3}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 10.0);
}

// FB q=2^i: A 0-2 (alone at 1), to queue 1 at 2; B 2-3 (q 1, to queue 1); A 3-4
// (q 2, needs 1: done); C 4-5 (to 1); B 5-7 (q 2; D's arrival at 6 does not cut it;
// to 2); D 7-8 (to 1); E 8-9 (to 1); C 9-11 (to 2); D 11-13 (to 2); E 13-14 (done);
// queue 2 (q 4): B 14-17 (done), C 17-18 (done), D 18-20 (done).
// Finish 4, 17, 18, 20, 14; Tr = 4, 15, 14, 14, 6 (mean 10.60).
TEST(JobsSimulator, WorkedSetFeedbackQuantumDoubling) {
  auto r = run("fb", "2^i");
  EXPECT_EQ(gantt_text(r), "A0-2 B2-3 A3-4 C4-5 B5-7 D7-8 E8-9 C9-11 D11-13 E13-14 B14-17 C17-18 D18-20");
  EXPECT_EQ(turnarounds(r), (std::vector<Tick>{4, 15, 14, 14, 6}));
  EXPECT_DOUBLE_EQ(r.means.turnaround / U, 10.6);
}

// FCFS is unkind to short jobs: W(0,1) X(1,100) Y(2,1) Z(3,100).
// W 0-1, X 1-101, Y 101-102, Z 102-202; Tr = 1, 100, 100, 199 (mean 100);
// Tr/Ts = 1, 1, 100, 1.99 (mean 25.9975).
TEST(JobsSimulator, FcfsIsUnkindToShortJobs) {
  auto r = simulate(*parse_job_set("W:0:1,X:1:100,Y:2:1,Z:3:100"), policy("fcfs"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(turnarounds(*r), (std::vector<Tick>{1, 100, 100, 199}));
  EXPECT_DOUBLE_EQ(r->turnaround[2].normalized(), 100.0);
  EXPECT_DOUBLE_EQ(r->turnaround[3].normalized(), 1.99);
  EXPECT_DOUBLE_EQ(r->means.turnaround / U, 100.0);
  EXPECT_NEAR(r->means.normalized, 25.9975, 1e-9);
}

// The same set under preemptive policies: Y does not wait. SRT: W 0-1, X 1-2, Y
// (1 < 99 left) 2-3, X 3-102 (Z's 100 is not shorter than 99), Z 102-202. RR q=1: Y
// arrives at 2 and joins before X, preempted at 2: Y 2-3.
TEST(JobsSimulator, ShortJobUnderPreemptivePolicies) {
  auto set = *parse_job_set("W:0:1,X:1:100,Y:2:1,Z:3:100");
  auto srt = simulate(set, policy("srt"));
  ASSERT_TRUE(srt.ok());
  EXPECT_EQ(turnarounds(*srt), (std::vector<Tick>{1, 101, 1, 199}));  // X 1-2, Y 2-3, X 3-102, Z 102-202
  auto rr = simulate(set, policy("rr", "1"));
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr->turnaround[2].turnaround() / U, 1);
}

TEST(JobsSimulator, IdleGapAndFractionalTimes) {
  auto r = simulate(*parse_job_set("A:0:1.5,B:4:0.25"), policy("fcfs"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->gantt.size(), 2u);
  EXPECT_EQ(r->gantt[0].end, 1500);
  EXPECT_EQ(r->gantt[1].start, 4000);
  EXPECT_EQ(r->turnaround[1].finish, 4250);
}

TEST(JobsSimulator, SeveralSlots) {
  // Two slots, FCFS: A and B run at once from 0; C waits for A.
  auto r = simulate(*parse_job_set("A:0:2,B:0:5,C:1:1"), policy("fcfs"), 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(finishes(*r), (std::vector<Tick>{2, 5, 3}));
}

TEST(JobsSimulator, RejectsBadSets) {
  EXPECT_FALSE(parse_job_set("").ok());
  EXPECT_FALSE(parse_job_set("A:0").ok());
  EXPECT_FALSE(parse_job_set("A:0:0").ok());
  EXPECT_FALSE(parse_job_set("A:0:1,A:1:1").ok());
  EXPECT_FALSE(parse_job_set("A:-1:1").ok());
  auto e = parse_job_set("A:0:3,B:x:6");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("job 2 \"B:x:6\": arrival"), std::string::npos) << e.error().message;
  auto tiny = simulate(*parse_job_set("A:0:1000,B:0:1000"), policy("rr", "0.001"), 1, 1000);
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.error().message.find("slices"), std::string::npos);
}
