// SPDX-License-Identifier: Apache-2.0
// lib/readiness: sd_notify parsing, the probe state machine (fake clock) and
// the dependency logic.
#include <gtest/gtest.h>

#include <algorithm>

#include "corral/readiness/dependencies.hpp"
#include "corral/readiness/notify_message.hpp"
#include "corral/readiness/probe.hpp"

namespace corral::readiness {
namespace {

using namespace std::chrono_literals;

TEST(NotifyMessage, ParsesEveryKnownKey) {
  auto m = parse_notify_message(
      "READY=1\nSTATUS=listening on :80\nMAINPID=42\nWATCHDOG=1\nWATCHDOG_USEC=2000000\n"
      "EXTEND_TIMEOUT_USEC=5000000\nERRNO=2\nRELOADING=1\nSTOPPING=1\n");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->ready);
  EXPECT_TRUE(m->reloading);
  EXPECT_TRUE(m->stopping);
  EXPECT_TRUE(m->watchdog);
  EXPECT_EQ(m->status, "listening on :80");
  EXPECT_EQ(m->main_pid, 42);
  EXPECT_EQ(m->watchdog_usec, 2000000u);
  EXPECT_EQ(m->extend_timeout_usec, 5000000u);
  EXPECT_EQ(m->errno_value, 2);
  EXPECT_TRUE(m->ignored.empty());
}

TEST(NotifyMessage, UnknownKeysAndBadValuesAreIgnored) {
  auto m = parse_notify_message("FDSTORE=1\nREADY=1\nMAINPID=-3\nMAINPID=abc\nWATCHDOG_USEC=0\nnoequals\n\n");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->ready);
  EXPECT_FALSE(m->main_pid);
  EXPECT_FALSE(m->watchdog_usec);
  EXPECT_EQ(m->ignored.size(), 5u);
}

TEST(NotifyMessage, NoTrailingNewlineAndEmptyStatus) {
  auto m = parse_notify_message("STATUS=");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, "");
  EXPECT_FALSE(m->ready);
  auto r = parse_notify_message("READY=1");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ready);
  auto w = parse_notify_message("WATCHDOG=trigger\nBARRIER=1");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->watchdog_trigger);
  EXPECT_FALSE(w->watchdog);
  EXPECT_TRUE(w->barrier);
}

TEST(NotifyMessage, BoundedSizes) {
  EXPECT_FALSE(parse_notify_message(std::string(kMaxNotifyDatagram + 1, 'x')).ok());
  EXPECT_FALSE(parse_notify_message(std::string("READY=1\0x", 9)).ok());
  auto m = parse_notify_message("STATUS=" + std::string(3000, 's'));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status->size(), kMaxStatusText);
}

TEST(ProbeTarget, TcpAndHttp) {
  auto t = parse_tcp_target("127.0.0.1:8080");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 8080);
  auto v6 = parse_tcp_target("[::1]:53");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target(), "tcp [::1]:53");
  EXPECT_FALSE(parse_tcp_target("localhost").ok());
  EXPECT_FALSE(parse_tcp_target("host:0").ok());
  EXPECT_FALSE(parse_tcp_target("host:70000").ok());
  EXPECT_FALSE(parse_tcp_target(":80").ok());

  auto h = parse_http_url("http://127.0.0.1:9000/health?x=1");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->port, 9000);
  EXPECT_EQ(h->path, "/health?x=1");
  auto d = parse_http_url("http://localhost");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 80);
  EXPECT_EQ(d->path, "/");
  auto s = parse_http_url("https://x/");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("https is not supported"), std::string::npos);
  EXPECT_FALSE(parse_http_url("http://h:80/a b").ok());
}

TEST(ProbeTarget, HttpStatusLine) {
  EXPECT_EQ(http_status_code("HTTP/1.0 200 OK\r\n"), 200);
  EXPECT_EQ(http_status_code("HTTP/1.1 503 Service Unavailable"), 503);
  EXPECT_EQ(http_status_code("HTTP/1.1 20"), -1);
  EXPECT_EQ(http_status_code("SSH-2.0-OpenSSH"), -1);
}

TEST(ProbeTracker, ThresholdsAndSchedule) {
  ProbeSpec spec;
  spec.interval = 1s;
  spec.initial_delay = 500ms;
  spec.success_threshold = 2;
  spec.failure_threshold = 3;
  ProbeTracker t(spec);
  TimePoint t0{std::chrono::seconds(100)};
  t.restart(t0);
  EXPECT_EQ(t.next_due(), t0 + 500ms);
  EXPECT_EQ(t.verdict(), ProbeVerdict::Unknown);

  t.began(t0 + 500ms);
  EXPECT_EQ(t.next_due(), t0 + 1500ms);
  EXPECT_FALSE(t.record(t0 + 510ms, 1, true, "connected"));  // one pass of two
  EXPECT_EQ(t.verdict(), ProbeVerdict::Unknown);
  t.began(t0 + 1500ms);
  EXPECT_TRUE(t.record(t0 + 1510ms, 2, true, "connected"));
  EXPECT_EQ(t.verdict(), ProbeVerdict::Passing);
  // Two failures keep it passing; the third makes it failing.
  EXPECT_FALSE(t.record(t0 + 2s, 3, false, "refused"));
  EXPECT_FALSE(t.record(t0 + 3s, 4, false, "refused"));
  EXPECT_EQ(t.verdict(), ProbeVerdict::Passing);
  EXPECT_TRUE(t.record(t0 + 4s, 5, false, "refused"));
  EXPECT_EQ(t.verdict(), ProbeVerdict::Failing);
  EXPECT_EQ(t.failures_in_a_row(), 3u);
  // A pass between failures resets the count.
  EXPECT_FALSE(t.record(t0 + 5s, 6, true, "ok"));
  EXPECT_EQ(t.verdict(), ProbeVerdict::Failing);
  EXPECT_TRUE(t.record(t0 + 6s, 7, true, "ok"));
  EXPECT_EQ(t.verdict(), ProbeVerdict::Passing);
  ASSERT_EQ(t.history().size(), 7u);
  EXPECT_EQ(t.history().front().wall_time_ms, 7);

  for (int i = 0; i < 20; ++i) (void)t.record(t0 + 7s, 8 + i, true, "ok");
  EXPECT_EQ(t.history().size(), ProbeTracker::kHistory);
  t.restart(t0 + 10s);
  EXPECT_EQ(t.verdict(), ProbeVerdict::Unknown);
  EXPECT_EQ(t.passes_in_a_row(), 0u);
}

TEST(Dependencies, CyclesFoundOnceEach) {
  DependencyGraph g{{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}, {"d", {"d"}}, {"e", {"a", "x"}}};
  auto cycles = find_cycles(g);
  ASSERT_EQ(cycles.size(), 2u);
  EXPECT_EQ(cycles[0], (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(cycles[1], (std::vector<std::string>{"d"}));
  EXPECT_TRUE(find_cycles({{"a", {"b"}}, {"b", {}}, {"c", {"a", "b"}}}).empty());
}

TEST(Dependencies, DeepChainDoesNotRecurse) {
  // 50,000 links: deeper than a recursive walk should ever be allowed to go.
  DependencyGraph g;
  const int n = 50000;
  for (int i = 0; i < n; ++i) g["s" + std::to_string(i)] = {"s" + std::to_string(i + 1)};
  g["s" + std::to_string(n)] = {};
  EXPECT_TRUE(find_cycles(g).empty());
  g["s" + std::to_string(n)] = {"s0"};
  EXPECT_EQ(find_cycles(g).size(), 1u);
  EXPECT_EQ(dependency_closure(g, "s0").size(), static_cast<std::size_t>(n));
}

TEST(Dependencies, ClosureInStartOrder) {
  DependencyGraph req{{"web", {"api", "cache"}}, {"api", {"db"}}, {"cache", {}}, {"db", {}}, {"other", {"db"}}};
  EXPECT_EQ(dependency_closure(req, "web"), (std::vector<std::string>{"db", "api", "cache"}));
  EXPECT_TRUE(dependency_closure(req, "db").empty());
  auto users = dependents_closure(req, "db");
  std::sort(users.begin(), users.end());
  EXPECT_EQ(users, (std::vector<std::string>{"api", "other", "web"}));
}

TEST(Dependencies, FirstBlockerAndText) {
  auto state = [](const std::string& n) {
    if (n == "db") return DependencyState::Pending;
    if (n == "mq") return DependencyState::Down;
    return DependencyState::Ready;
  };
  EXPECT_FALSE(first_blocker({"cache"}, state));
  auto b = first_blocker({"cache", "db", "mq"}, state);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "db");
  EXPECT_EQ(waiting_text(*b), "waiting for db to be ready");
  auto m = first_blocker({"mq"}, state);
  ASSERT_TRUE(m);
  EXPECT_EQ(waiting_text(*m), "waiting for mq (down: start it first)");
}

}  // namespace
}  // namespace corral::readiness
