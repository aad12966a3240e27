// SPDX-License-Identifier: Apache-2.0
// corrald's /metrics on a real socket: the exposition against promtool, content
// negotiation, `corralctl metrics`, counters across a reload, 100 concurrent
// scrapes, and scrapers that connect and never read.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "daemon_fixture.hpp"
#include "metrics_http.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

using protocol::Command;

bool have_promtool() { return std::system("command -v promtool >/dev/null 2>&1") == 0; }

class DaemonMetrics : public DaemonFixture {
 protected:
  void start_with(const std::string& services) {
    port_ = free_loopback_port();
    ASSERT_GT(port_, 0);
    start_daemon("[daemon]\nfair_share = \"off\"\nmetrics_listen = \"127.0.0.1:" + std::to_string(port_) + "\"\n" +
                 services);
    ASSERT_TRUE(wait_until([&] { return http_get(port_, "/metrics").status == 200; }))
        << "no /metrics on port " << port_ << "; corrald said:\n" << daemon_stderr();
  }
  std::string scrape() { return http_get(port_, "/metrics").body; }
  // Runs a shell command line, returns its exit status and puts its output in `out`.
  int shell(const std::string& cmd, std::string& out) {
    std::string file = dir_ + "/shell.out";
    int rc = std::system((cmd + " >" + file + " 2>&1").c_str());
    std::ifstream f(file);
    out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  int port_ = 0;
};

const char* kTwoServices =
    "[service.\"web.v2-a_b\"]\ncommand = \"sleep 300\"\ninstances = 2\n"
    "[service.crashy]\ncommand = \"sh -c 'sleep 0.2; exit 3'\"\nrestart = \"always\"\nstart_secs = \"100ms\"\n"
    "backoff_initial = \"10ms\"\nbackoff_max = \"20ms\"\nstart_limit_burst = 1000\n";

TEST_F(DaemonMetrics, ExpositionPassesPromtoolAndNamesTheServices) {
  ASSERT_NO_FATAL_FAILURE(start_with(kTwoServices));
  ASSERT_TRUE(wait_state("web.v2-a_b@1", "running"));
  ASSERT_TRUE(wait_until([&] { return status_of("crashy").restarts >= 1; }));
  HttpReply r = http_get(port_, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(sample_value(r.body, "corral_service_up{service=\"web.v2-a_b@1\",group=\"default\"}"), 1.0) << r.body;
  EXPECT_EQ(sample_value(r.body, "corral_service_state{service=\"web.v2-a_b@0\",group=\"default\",state=\"running\"}"),
            1.0);
  EXPECT_FALSE(
      sample_value(r.body, "corral_service_state{service=\"web.v2-a_b@0\",group=\"default\",state=\"fatal\"}"));
  EXPECT_EQ(sample_value(r.body, "corral_service_last_exit_code{service=\"crashy\",group=\"default\"}"), 3.0);
  auto start = sample_value(r.body, "corral_service_start_time_seconds{service=\"web.v2-a_b@0\",group=\"default\"}");
  ASSERT_TRUE(start);
  EXPECT_NEAR(*start, static_cast<double>(::time(nullptr)), 120);
  EXPECT_GT(sample_value(r.body, "corral_service_memory_bytes{service=\"web.v2-a_b@0\",group=\"default\"}").value_or(0),
            0);
  EXPECT_NE(r.body.find("corral_build_info{version=\""), std::string::npos);
  EXPECT_NE(r.body.find("corral_daemon_request_duration_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_EQ(sample_value(r.body, "corral_group_target_share_ratio{group=\"default\"}"), 1.0) << r.body;

  if (!have_promtool()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  std::ofstream(dir_ + "/scrape.txt") << r.body;
  std::string out;
  EXPECT_EQ(shell("promtool check metrics < " + dir_ + "/scrape.txt", out), 0) << out;
}

TEST_F(DaemonMetrics, OpenMetricsWhenAskedAndErrorsForOtherPaths) {
  ASSERT_NO_FATAL_FAILURE(start_with(kTwoServices));
  HttpReply om = http_get(port_, "/metrics", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
  ASSERT_EQ(om.status, 200);
  EXPECT_EQ(om.header("Content-Type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_TRUE(om.body.ends_with("# EOF\n"));
  EXPECT_NE(om.body.find("# TYPE corral_service_restarts counter\n"), std::string::npos) << om.body;
  EXPECT_EQ(http_get(port_, "/").status, 404);
  EXPECT_EQ(http_get(port_, "/metrics/x").status, 404);
}

TEST_F(DaemonMetrics, CorralctlMetricsPrintsTheSameExposition) {
  ASSERT_NO_FATAL_FAILURE(start_with(kTwoServices));
  std::string out;
  ASSERT_EQ(shell(program_dir() + "/tools/corralctl --socket " + socket_ + " metrics", out), 0) << out;
  EXPECT_NE(out.find("# TYPE corral_service_up gauge"), std::string::npos) << out;
  EXPECT_TRUE(sample_value(out, "corral_service_up{service=\"crashy\",group=\"default\"}").has_value()) << out;
  EXPECT_GE(sample_value(out, "corral_daemon_requests_total{request=\"metrics\"}").value_or(0), 0) << out;
}

TEST_F(DaemonMetrics, CountersStayMonotonicAcrossReload) {
  ASSERT_NO_FATAL_FAILURE(start_with(kTwoServices));
  const std::string restarts = "corral_service_restarts_total{service=\"crashy\",group=\"default\"}";
  ASSERT_TRUE(wait_until([&] { return sample_value(scrape(), restarts).value_or(0) >= 2; }, 30s));
  std::string before = scrape();
  double r1 = *sample_value(before, restarts);
  double it1 = sample_value(before, "corral_daemon_loop_iterations_total").value_or(-1);
  double sc1 = sample_value(before, "corral_daemon_requests_total{request=\"scrape\"}").value_or(-1);
  // crashy changes (its command), so reload restarts it with the new spec; the counters go on.
  write_config(std::string("[daemon]\nfair_share = \"off\"\nmetrics_listen = \"127.0.0.1:") + std::to_string(port_) +
               "\"\n" + kTwoServices + "env = { CHANGED = \"1\" }\n");
  auto rr = call(Command::Reload);
  ASSERT_TRUE(rr.ok) << rr.error;
  ASSERT_EQ(rr.data["changed"], nlohmann::json::array({"crashy"})) << rr.data.dump();
  std::string after = scrape();
  EXPECT_GE(*sample_value(after, restarts), r1) << after;
  EXPECT_GT(sample_value(after, "corral_daemon_loop_iterations_total").value_or(-1), it1);
  EXPECT_GT(sample_value(after, "corral_daemon_requests_total{request=\"scrape\"}").value_or(-1), sc1);
  EXPECT_GE(sample_value(after, "corral_daemon_requests_total{request=\"reload\"}").value_or(0), 1);
}

TEST_F(DaemonMetrics, ReloadMovesTheEndpointOrKeepsItWhenTheNewAddressIsTaken) {
  ASSERT_NO_FATAL_FAILURE(start_with(kTwoServices));
  auto config_on = [&](int port) {
    return "[daemon]\nfair_share = \"off\"\nmetrics_listen = \"127.0.0.1:" + std::to_string(port) + "\"\n" +
           kTwoServices;
  };
  auto refuses = [](int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == ECONNREFUSED;
  };
  const int old_port = port_;
  const int new_port = free_loopback_port();
  ASSERT_GT(new_port, 0);
  write_config(config_on(new_port));
  auto r = call(Command::Reload);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(http_get(new_port, "/metrics").status, 200);
  EXPECT_TRUE(refuses(old_port));

  // A port someone else holds: the reload is refused, naming the key, and the
  // endpoint stays where it was.
  UniqueFd taken(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(taken.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(taken.get(), 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(taken.get(), reinterpret_cast<sockaddr*>(&a), &len);
  write_config(config_on(ntohs(a.sin_port)));
  r = call(Command::Reload);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("metrics_listen"), std::string::npos) << r.error;
  EXPECT_EQ(http_get(new_port, "/metrics").status, 200);
}

TEST_F(DaemonMetrics, HundredConcurrentScrapes) {
  ASSERT_NO_FATAL_FAILURE(start_with(kTwoServices));
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i)
    threads.emplace_back([&] {
      HttpReply r = http_get(port_, "/metrics");
      if (r.status == 200 && r.body.find("corral_build_info") != std::string::npos) ++good;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 100);
  EXPECT_TRUE(call(Command::Status).ok);
}

TEST_F(DaemonMetrics, ScrapersThatNeverReadDoNotStallCorrald) {
  ASSERT_NO_FATAL_FAILURE(start_with(kTwoServices));
  std::vector<UniqueFd> hostile;
  for (int i = 0; i < 20; ++i) {
    UniqueFd fd = connect_loopback(port_);
    ASSERT_TRUE(fd);
    int small = 1024;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    // Half send a whole request and never read the reply; half never finish their headers.
    std::string req = i % 2 ? "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" : "GET /metrics HTTP/1.1\r\nHost: x\r\n";
    ASSERT_EQ(::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    hostile.push_back(std::move(fd));
  }
  // corrald goes on answering the control socket and other scrapers at once.
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(call(Command::Status).ok);
    HttpReply r = http_get(port_, "/metrics");
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  }
  // And hangs up on them after its idle timeout (10 s): each sees EOF or a reset.
  for (auto& fd : hostile) {
    bool closed = wait_until(
        [&] {
          char buf[65536];
          ssize_t n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
          return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
        },
        30s);
    EXPECT_TRUE(closed);
  }
}

}  // namespace
}  // namespace corral::testing
