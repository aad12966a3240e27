// SPDX-License-Identifier: Apache-2.0
// `corralctl schedule simulate`, the real program: the table, --json in the documented
// shape, --svg written to a file, and usage errors with exit status 2.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "proc_test_util.hpp"
#include "program_dir.hpp"

namespace {

const std::string kCtl = corral::testing::program_dir() + "/tools/corralctl";
const std::string kWorkedSet = "A:0:3,B:2:6,C:4:4,D:6:5,E:8:2";

TEST(CorralctlSchedule, SimulateTableShowsTheTextbookMeans) {
  auto r = corral::testing::run({kCtl, "schedule", "simulate", "--policy", "fcfs", "--jobs", kWorkedSet});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("mean"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("8.60"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("E           8        2       20       12     6.00"), std::string::npos) << r.out;
}

TEST(CorralctlSchedule, SimulateJsonShape) {
  auto r = corral::testing::run(
      {kCtl, "schedule", "simulate", "--policy", "srt", "--jobs", kWorkedSet, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["policy"], "srt");
  ASSERT_EQ(j["jobs"].size(), 5u);
  EXPECT_EQ(j["jobs"][2]["name"], "C");
  EXPECT_DOUBLE_EQ(j["jobs"][2]["finish"].get<double>(), 8);
  EXPECT_DOUBLE_EQ(j["jobs"][2]["turnaround"].get<double>(), 4);
  EXPECT_DOUBLE_EQ(j["jobs"][2]["normalized"].get<double>(), 1);
  EXPECT_DOUBLE_EQ(j["mean_turnaround"].get<double>(), 7.2);
  ASSERT_FALSE(j["gantt"].empty());
  EXPECT_EQ(j["gantt"][0]["name"], "A");
  EXPECT_DOUBLE_EQ(j["gantt"][0]["end"].get<double>(), 3);
}

TEST(CorralctlSchedule, SimulateWritesSvg) {
  std::string svg = "/tmp/corral-schedule-test-" + std::to_string(::getpid()) + ".svg";
  auto r = corral::testing::run(
      {kCtl, "schedule", "simulate", "--policy", "fb", "--quantum", "2^i", "--jobs", kWorkedSet, "--svg", svg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(svg);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(svg);
  EXPECT_NE(text.str().find("<svg"), std::string::npos);
  EXPECT_NE(text.str().find("fb q=2^i"), std::string::npos);
}

TEST(CorralctlSchedule, SimulateUsageErrors) {
  auto bad_policy = corral::testing::run({kCtl, "schedule", "simulate", "--policy", "sjf", "--jobs", kWorkedSet});
  EXPECT_EQ(bad_policy.exit_code, 2);
  EXPECT_NE(bad_policy.err.find("unknown policy \"sjf\""), std::string::npos) << bad_policy.err;
  auto bad_jobs = corral::testing::run({kCtl, "schedule", "simulate", "--policy", "rr", "--jobs", "A:0:3,B:2"});
  EXPECT_EQ(bad_jobs.exit_code, 2);
  EXPECT_NE(bad_jobs.err.find("job 2 \"B:2\""), std::string::npos) << bad_jobs.err;
  auto quantum = corral::testing::run(
      {kCtl, "schedule", "simulate", "--policy", "rr", "--quantum", "2^i", "--jobs", kWorkedSet});
  EXPECT_EQ(quantum.exit_code, 2);
  auto svg = corral::testing::run({kCtl, "schedule", "simulate", "--policy", "rr", "--jobs", kWorkedSet, "--svg",
                                "/nonexistent-dir/x.svg"});
  EXPECT_EQ(svg.exit_code, 1);
  EXPECT_NE(svg.err.find("/nonexistent-dir/x.svg"), std::string::npos) << svg.err;
}

}  // namespace
