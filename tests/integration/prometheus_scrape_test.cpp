// SPDX-License-Identifier: Apache-2.0
// A real Prometheus (Debian's package) scrapes a test corrald on loopback: the
// test asks Prometheus's HTTP API for corral_service_up, the restart counter
// after a forced crash, and the groups' target share, and checks the answers.
// Prometheus runs on a free port with a temp data dir, both removed afterwards.
#include <sys/wait.h>

#include <cctype>
#include <cmath>

#include "daemon_fixture.hpp"
#include "metrics_http.hpp"

namespace corral::testing {
namespace {

using nlohmann::json;
using protocol::Command;

class PrometheusScrape : public DaemonFixture {
 protected:
  void TearDown() override {
    if (prom_pid_ > 0) {
      ::kill(prom_pid_, SIGTERM);
      if (!wait_until([&] { return ::waitpid(prom_pid_, nullptr, WNOHANG) == prom_pid_; }, 20s)) {
        ::kill(prom_pid_, SIGKILL);
        ::waitpid(prom_pid_, nullptr, 0);
      }
    }
    DaemonFixture::TearDown();  // removes the temp dir, Prometheus's data with it
  }

  void start_prometheus(int target_port) {
    prom_port_ = free_loopback_port();
    std::string cfg = dir_ + "/prometheus.yml";
    std::ofstream(cfg) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                          "scrape_configs:\n  - job_name: corral\n    static_configs:\n"
                          "      - targets: ['127.0.0.1:" << target_port << "']\n";
    std::vector<std::string> args = {"prometheus",
                                     "--config.file=" + cfg,
                                     "--storage.tsdb.path=" + dir_ + "/prometheus-data",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_),
                                     "--log.level=warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string log = dir_ + "/prometheus.log";
    prom_pid_ = ::fork();
    ASSERT_GE(prom_pid_, 0);
    if (prom_pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execvp("prometheus", argv.data());
      ::_exit(127);
    }
  }

  // The instant-query result vector for `promql` (empty when none yet or no answer).
  json query(const std::string& promql) {
    std::string q;
    for (unsigned char c : promql) {
      if (std::isalnum(c) || c == '_') q += static_cast<char>(c);
      else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        q += buf;
      }
    }
    HttpReply r = http_get(prom_port_, "/api/v1/query?query=" + q);
    if (r.status != 200) return json::array();
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return json::array();
    return j["data"]["result"];
  }
  // The one value of a query that should give one series.
  std::optional<double> value(const std::string& promql) {
    json res = query(promql);
    if (!res.is_array() || res.size() != 1) return std::nullopt;
    return std::stod(res[0]["value"][1].get<std::string>());
  }

  pid_t prom_pid_ = -1;
  int prom_port_ = 0;
};

TEST_F(PrometheusScrape, PrometheusSeesServicesRestartsAndShares) {
  if (std::system("command -v prometheus >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "prometheus not installed (Debian package prometheus; scripts/install-deps.sh installs it)";
  int port = free_loopback_port();
  start_daemon("[daemon]\nmetrics_listen = \"127.0.0.1:" + std::to_string(port) +
               "\"\n"
               "[group.web]\nweight = 300\n[group.batch]\nweight = 100\n"
               "[service.front]\ncommand = \"sleep 300\"\ngroup = \"web\"\nstart_secs = \"100ms\"\n"
               "restart = \"always\"\nbackoff_initial = \"10ms\"\n"
               "[service.cruncher]\ncommand = \"sleep 300\"\ngroup = \"batch\"\n");
  ASSERT_TRUE(wait_state("front", "running"));
  ASSERT_TRUE(wait_state("cruncher", "running"));
  ASSERT_NO_FATAL_FAILURE(start_prometheus(port));

  // The first scrapes: corral_service_up of both services is 1.
  ASSERT_TRUE(wait_until([&] { return value("corral_service_up{service=\"front\"}") == 1.0; }, 90s))
      << "Prometheus never reported corral_service_up; its log:\n"
      << [&] {
           std::ifstream f(dir_ + "/prometheus.log");
           return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
         }();
  EXPECT_EQ(value("corral_service_up{service=\"cruncher\",group=\"batch\"}"), 1.0);
  EXPECT_EQ(value("up{job=\"corral\"}"), 1.0);

  // A forced crash: SIGKILL front's process; corrald restarts it and Prometheus sees the counter.
  protocol::Request kill;
  kill.command = Command::Signal;
  kill.names = {"front"};
  kill.signal = "KILL";
  ASSERT_TRUE(call(kill).ok);
  ASSERT_TRUE(wait_until([&] { return status_of("front").restarts >= 1; }));
  EXPECT_TRUE(wait_until([&] { return value("corral_service_restarts_total{service=\"front\"}").value_or(0) >= 1; },
                         60s));

  // Target shares: web 300 / 400, batch 100 / 400, both with a running service.
  EXPECT_TRUE(wait_until(
      [&] {
        auto web = value("corral_group_target_share_ratio{group=\"web\"}");
        auto batch = value("corral_group_target_share_ratio{group=\"batch\"}");
        return web && batch && std::abs(*web - 0.75) < 1e-9 && std::abs(*batch - 0.25) < 1e-9;
      },
      60s));
  // And a PromQL expression an alert rule uses: how far each group is from its share.
  json off = query("abs(corral_group_cpu_share_ratio - corral_group_target_share_ratio)");
  EXPECT_TRUE(off.is_array() && off.size() >= 2) << off.dump();
}

}  // namespace
}  // namespace corral::testing
