// SPDX-License-Identifier: Apache-2.0
// The readiness keys of a service: notify, ready_probe, health_probe,
// start_timeout, watchdog, watchdog_signal, requires; each error with its place.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>

#include "corral/config/config.hpp"
#include "config_fixtures.hpp"

namespace corral::config {
namespace {

using namespace std::chrono_literals;

TEST(ConfigReadiness, GoodKeys) {
  ConfigLoad l = load_config_collect(kConfigFixtures + "readiness_good.toml");
  ASSERT_TRUE(l.ok()) << (l.errors.empty() ? "" : l.errors[0].to_string());
  const auto& db = l.config.services.at("db").readiness;
  EXPECT_EQ(db.notify, NotifyMode::Systemd);
  EXPECT_EQ(db.watchdog, Duration(10s));
  EXPECT_EQ(db.watchdog_signal, SIGKILL);
  EXPECT_EQ(db.start_timeout, Duration(30s));
  EXPECT_TRUE(db.waits_for_ready());

  const auto& cache = l.config.services.at("cache").readiness;
  EXPECT_EQ(cache.notify, NotifyMode::Fd);
  EXPECT_EQ(cache.notify_fd, 3);
  EXPECT_EQ(notify_text(cache), "fd:3");
  ASSERT_TRUE(cache.health_probe);
  EXPECT_EQ(cache.health_probe->kind, readiness::ProbeKind::Tcp);
  EXPECT_EQ(cache.health_probe->port, 6379);
  EXPECT_EQ(cache.health_probe->interval, Duration(2s));
  EXPECT_EQ(cache.health_probe->failure_threshold, 2u);
  EXPECT_EQ(cache.start_timeout, Duration(90s)) << "the default";

  const auto& web = l.config.services.at("web");
  EXPECT_EQ(web.readiness.required, (std::vector<std::string>{"db"}));
  // requires implies after (after as written, then the required ones).
  EXPECT_EQ(web.after, (std::vector<std::string>{"cache", "db"}));
  ASSERT_TRUE(web.readiness.ready_probe);
  EXPECT_EQ(web.readiness.ready_probe->kind, readiness::ProbeKind::Http);
  EXPECT_EQ(web.readiness.ready_probe->path, "/ready");
  EXPECT_EQ(web.readiness.ready_probe->interval, Duration(250ms));
  EXPECT_EQ(web.readiness.ready_probe->initial_delay, Duration(1s));
  EXPECT_EQ(web.readiness.ready_probe->success_threshold, 2u);
  ASSERT_TRUE(web.readiness.health_probe);
  EXPECT_EQ(web.readiness.health_probe->exec, (std::vector<std::string>{"/bin/true"}));
  EXPECT_EQ(web.readiness.health_probe->interval, Duration(10s)) << "health default";
  EXPECT_EQ(web.readiness.notify, NotifyMode::None);
  EXPECT_TRUE(web.readiness.waits_for_ready());

  auto order = start_order(l.config);
  auto pos = [&](const std::string& n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
  EXPECT_LT(pos("db"), pos("web"));
  EXPECT_LT(pos("cache"), pos("web"));
}

TEST(ConfigReadiness, ErrorsNameTheirPlace) {
  ConfigLoad l = load_config_collect(kConfigFixtures + "readiness_bad.toml");
  std::vector<std::string> got;
  for (const auto& e : l.errors) {
    EXPECT_EQ(e.file, kConfigFixtures + "readiness_bad.toml");
    got.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
  }
  std::vector<std::string> want{
      "3:10: service.a.notify: expected \"fd:N\" with N from 3 to 1023 (0..2 are stdio), got \"fd:1\"",
      "4:12: service.a.watchdog: needs notify = \"systemd\" (the service feeds the watchdog with WATCHDOG=1)",
      "5:23: service.a.ready_probe.tcp: expected HOST:PORT, got \"nohost\"",
      "5:33: unknown key \"failure_threshold\" in service.a.ready_probe",
      "6:16: service.a.health_probe: takes only one of exec, tcp and http",
      "7:12: service.a.after: dependency cycle: a -> b -> a (each waits for the next)",
      "7:18: service.a.requires: unknown service \"nope\"",
      "11:10: service.b.notify: expected \"none\", \"systemd\" or \"fd:N\", got \"sometimes\"",
      "13:25: service.b.health_probe.http: expected a URL http://HOST:PORT/PATH, got \"https://x/\" (https is not "
      "supported; probe the plain port)",
      "14:19: service.b.watchdog_signal: unknown signal \"NOPE\"",
  };
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace corral::config
