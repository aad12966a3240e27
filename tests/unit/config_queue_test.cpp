// SPDX-License-Identifier: Apache-2.0
// [queue.NAME] tables: defaults, every key, and the errors with their places.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "corral/config/config.hpp"

namespace corral::config {
namespace {

using namespace std::chrono_literals;

// A config file in a fresh temporary folder, removed again by the destructor.
class TempConfig {
 public:
  explicit TempConfig(const std::string& text) {
    char tmpl[] = "/tmp/corral-queue-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/corral.toml";
    std::ofstream(path_) << "[daemon]\nsocket = \"" << dir_ << "/s.sock\"\n" << text;
  }
  ~TempConfig() { std::filesystem::remove_all(dir_); }
  ConfigLoad load() const { return load_config_collect(path_); }

 private:
  std::string dir_, path_;
};

std::string errors_text(const ConfigLoad& l) {
  std::string s;
  for (const auto& e : l.errors) s += std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message + "\n";
  return s;
}

TEST(ConfigQueue, DefaultQueueAlwaysExists) {
  TempConfig f("");
  auto l = f.load();
  ASSERT_TRUE(l.ok()) << errors_text(l);
  ASSERT_EQ(l.config.queues.count("default"), 1u);
  const QueueConfig& q = l.config.queues.at("default");
  EXPECT_EQ(q.slots, 1u);
  EXPECT_EQ(q.policy.kind, jobs::PolicyKind::Fcfs);
  EXPECT_EQ(q.group, "default");
  EXPECT_FALSE(q.estimate.has_value());
}

TEST(ConfigQueue, EveryKey) {
  TempConfig f(
      "[group.batch]\nweight = 50\n"
      "[queue.lab]\nslots = 3\npolicy = \"rr\"\nquantum = \"200ms\"\ngroup = \"batch\"\n"
      "estimate = \"exponential:0.8\"\nmax_queued = 50\n"
      "[queue.fb]\npolicy = \"fb\"\nquantum = \"2^i\"\nquantum_unit = \"10ms\"\nestimate = \"average\"\n");
  auto l = f.load();
  ASSERT_TRUE(l.ok()) << errors_text(l);
  const QueueConfig& lab = l.config.queues.at("lab");
  EXPECT_EQ(lab.slots, 3u);
  EXPECT_EQ(lab.policy.kind, jobs::PolicyKind::Rr);
  EXPECT_EQ(lab.policy.quantum, 200'000'000);
  EXPECT_EQ(lab.group, "batch");
  ASSERT_TRUE(lab.estimate.has_value());
  EXPECT_DOUBLE_EQ(lab.estimate->alpha, 0.8);
  EXPECT_EQ(lab.max_queued, 50u);
  const QueueConfig& fb = l.config.queues.at("fb");
  EXPECT_TRUE(fb.policy.quantum_doubles);
  EXPECT_EQ(fb.policy.slice(2), 40'000'000);
  EXPECT_EQ(fb.estimate->kind, jobs::EstimatorSpec::Kind::Average);
  EXPECT_EQ(l.config.queues.count("default"), 1u);
}

TEST(ConfigQueue, ErrorsNameTheKeyAndPlace) {
  TempConfig f(
      "[queue.a]\npolicy = \"sjf\"\n"                    // line 4
      "[queue.b]\npolicy = \"spn\"\nquantum = \"1s\"\n"  // line 7
      "[queue.c]\nslots = 0\n"                           // line 9
      "[queue.d]\ngroup = \"nope\"\n"                    // line 11
      "[queue.e]\npolicy = \"rr\"\nquantum = \"2^i\"\n"  // line 14
      "[queue.f]\nestimate = \"median\"\nslot = 2\n");   // lines 16, 17 (after the two [daemon] lines)
  auto l = f.load();
  std::string e = errors_text(l);
  EXPECT_NE(e.find("4:10: queue.a.policy: expected \"fcfs\", \"rr\", \"spn\", \"srt\", \"hrrn\" or \"fb\", got \"sjf\""),
            std::string::npos) << e;
  EXPECT_NE(e.find("7:11: queue.b.quantum: policy \"spn\" has no quantum"), std::string::npos) << e;
  EXPECT_NE(e.find("9:9: queue.c.slots"), std::string::npos) << e;
  EXPECT_NE(e.find("11:9: queue.d.group: undefined group \"nope\""), std::string::npos) << e;
  EXPECT_NE(e.find("14:11: queue.e.quantum: \"2^i\" is for policy \"fb\" only"), std::string::npos) << e;
  EXPECT_NE(e.find("16:12: queue.f.estimate: expected \"given\""), std::string::npos) << e;
  EXPECT_NE(e.find("17:1: unknown key \"slot\" in queue.f (did you mean \"slots\"?)"), std::string::npos) << e;
}

}  // namespace
}  // namespace corral::config
