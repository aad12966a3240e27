// SPDX-License-Identifier: Apache-2.0
// packaging/fleet/: the alerting rules and the scrape config pass promtool, the
// alerts fire on made-up series (promtool test rules), and the Grafana
// dashboard is JSON whose every query reads a corral metric.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

const std::string kFleet = std::string(CORRAL_SOURCE_DIR) + "/packaging/fleet";

int run_in(const std::string& dir, const std::string& cmd, std::string& out) {
  std::string file = "/tmp/corral-fleet-test-" + std::to_string(::getpid()) + ".out";
  int rc = std::system(("cd '" + dir + "' && " + cmd + " >" + file + " 2>&1").c_str());
  std::ifstream f(file);
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  std::remove(file.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class FleetFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "promtool not installed (Debian package prometheus; scripts/install-deps.sh installs it)";
  }
};

TEST_F(FleetFiles, AlertRulesPassPromtoolAndFire) {
  std::string out;
  EXPECT_EQ(run_in(kFleet + "/prometheus", "promtool check rules corral-alerts.yml", out), 0) << out;
  EXPECT_NE(out.find("5 rules found"), std::string::npos) << out;
  EXPECT_EQ(run_in(kFleet + "/prometheus", "promtool test rules corral-alerts.test.yml", out), 0) << out;
}

TEST_F(FleetFiles, ScrapeConfigPassesPromtool) {
  std::string out;
  EXPECT_EQ(run_in(kFleet + "/prometheus", "promtool check config prometheus.yml", out), 0) << out;
}

TEST(FleetDashboard, IsJsonAndQueriesCorralMetrics) {
  std::ifstream f(kFleet + "/grafana/corral-node.json");
  nlohmann::json d = nlohmann::json::parse(f, nullptr, false);
  ASSERT_FALSE(d.is_discarded());
  ASSERT_TRUE(d["panels"].is_array());
  EXPECT_GE(d["panels"].size(), 8u);
  for (const auto& p : d["panels"]) {
    ASSERT_TRUE(p["targets"].is_array()) << p.dump();
    for (const auto& t : p["targets"]) EXPECT_NE(t.value("expr", "").find("corral_"), std::string::npos) << t.dump();
  }
}

}  // namespace
