// SPDX-License-Identifier: Apache-2.0
// `events`: the stream's order and completeness for start, crash, restart and
// stop; a name filter; and a reader too slow for a burst of 10,000 events.
#include <atomic>
#include <thread>

#include "corral/protocol/event_line.hpp"
#include "daemon_fixture.hpp"
#include "event_reader.hpp"

namespace corral::testing {
namespace {

using nlohmann::json;
using protocol::Command;

bool is_state(const json& e, const std::string& service, const std::string& to) {
  return e.value("kind", "") == "state" && e.value("service", "") == service && e.value("to", "") == to;
}

TEST_F(DaemonFixture, EventStreamOrderForStartCrashRestartStop) {
  start_daemon(
      "[daemon]\nfair_share = \"off\"\n"
      "[service.flaky]\ncommand = \"sh -c 'sleep 0.3; exit 4'\"\nautostart = false\nstart_secs = \"100ms\"\n"
      "restart = \"on-failure\"\nbackoff_initial = \"10ms\"\n"
      "[service.other]\ncommand = \"sleep 300\"\nautostart = false\n");
  EventReader all(socket_);
  ASSERT_TRUE(all.reply().ok) << all.reply().error;
  EventReader only_flaky(socket_, {"flaky"});
  ASSERT_TRUE(only_flaky.reply().ok);
  EventReader unknown(socket_, {"nope"});
  EXPECT_FALSE(unknown.reply().ok);

  ASSERT_TRUE(call(Command::Start, {"other"}).ok);
  ASSERT_TRUE(call(Command::Start, {"flaky"}).ok);
  // Wait for the crash and the restart's running state, then stop.
  ASSERT_TRUE(wait_until([&] { return status_of("flaky").restarts >= 1 && status_of("flaky").state == "running"; }));
  ASSERT_TRUE(call(Command::Stop, {"flaky"}).ok);

  std::vector<json> ev = all.until([](const json& e) { return is_state(e, "flaky", "stopped"); });
  std::vector<json> flaky;
  for (const auto& e : ev)
    if (e.value("service", "") == "flaky") flaky.push_back(e);
  ASSERT_FALSE(flaky.empty());
  // Completeness: every state event starts where the previous one ended, from stopped to stopped.
  std::string at = "stopped";
  std::vector<std::string> path;
  bool saw_exit = false;
  for (const auto& e : flaky) {
    EXPECT_FALSE(e.value("time", "").empty());
    if (e.value("kind", "") == "exit") {
      if (e.value("reason", "").find("exited with code 4") != std::string::npos) saw_exit = true;
      EXPECT_GT(e.value("pid", 0), 0);
      continue;
    }
    ASSERT_EQ(e.value("kind", ""), "state") << e.dump();
    EXPECT_EQ(e.value("from", ""), at) << e.dump();
    at = e.value("to", "");
    path.push_back(at);
  }
  EXPECT_TRUE(saw_exit);
  EXPECT_EQ(at, "stopped");
  // Order: started, crashed and restarted, stopped.
  auto pos = [&](const std::string& s, std::size_t from) {
    return std::find(path.begin() + static_cast<long>(from), path.end(), s) - path.begin();
  };
  auto first_running = static_cast<std::size_t>(pos("running", 0));
  ASSERT_LT(first_running, path.size());
  auto second_starting = static_cast<std::size_t>(pos("starting", first_running));
  ASSERT_LT(second_starting, path.size()) << "no restart in the stream";
  auto stopping = static_cast<std::size_t>(pos("stopping", second_starting));
  EXPECT_LT(stopping, path.size());

  // The filtered reader saw the same flaky events and nothing of `other`.
  std::vector<json> filtered = only_flaky.until([](const json& e) { return is_state(e, "flaky", "stopped"); });
  ASSERT_EQ(filtered.size(), flaky.size());
  for (std::size_t i = 0; i < filtered.size(); ++i) EXPECT_EQ(filtered[i], flaky[i]);
}

TEST_F(DaemonFixture, EventStreamDropsAReaderTooSlowForABurst) {
  // 100 services suspended and resumed 50 times: 100 * 2 * 50 = 10,000 state
  // events, without 10,000 fork/execs (a loaded machine launches slowly).
  start_daemon("[daemon]\nfair_share = \"off\"\n"
               "[service.burst]\ncommand = \"sleep 600\"\ninstances = 100\nstart_secs = \"0s\"\n");
  ASSERT_TRUE(wait_until(
      [&] {
        auto all = status();
        return all.size() == 100 &&
               std::all_of(all.begin(), all.end(), [](const auto& s) { return s.state == "running" && s.pid > 0; });
      },
      120s));
  EventReader slow(socket_);
  ASSERT_TRUE(slow.reply().ok);
  int small = 4096;
  ::setsockopt(slow.client().fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::atomic<long> fast_count{0};
  std::atomic<bool> fast_dropped{false};
  EventReader fast(socket_);
  ASSERT_TRUE(fast.reply().ok);
  std::thread fast_thread([&] {
    while (auto l = fast.next()) {
      if (l->dropped) {
        fast_dropped = true;
        break;
      }
      ++fast_count;
    }
  });
  struct Joiner {  // an ASSERT below must not leave the thread joinable
    EventReader& r;
    std::thread& t;
    ~Joiner() {
      ::shutdown(r.client().fd(), SHUT_RDWR);
      if (t.joinable()) t.join();
    }
  } joiner{fast, fast_thread};
  Client ctl(socket_, 120s);
  for (int round = 0; round < 50; ++round) {
    for (Command c : {Command::Suspend, Command::Resume}) {
      protocol::Request req;
      req.command = c;
      req.names = {"burst"};
      auto r = ctl.call(req);
      ASSERT_TRUE(r.ok) << r.error;
    }
  }
  // Every request has been answered: the burst is over. Let the fast reader catch up.
  long total = -1;
  auto changed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] {
    long now = fast_count.load();
    if (now != total) {
      total = now;
      changed_at = std::chrono::steady_clock::now();
    }
    return std::chrono::steady_clock::now() - changed_at > 500ms;
  }, 60s));
  EXPECT_FALSE(fast_dropped.load());
  EXPECT_GE(total, 10000);

  // The slow reader now reads: some events, then the last line with what it missed.
  long delivered = 0;
  std::optional<protocol::StreamLine> last;
  while (auto l = slow.next()) {
    if (l->dropped) {
      last = l;
      break;
    }
    ++delivered;
  }
  ASSERT_TRUE(last.has_value()) << "no 'dropped' line after " << delivered << " events";
  EXPECT_GT(last->missed, 0u);
  EXPECT_EQ(static_cast<long>(last->missed) + delivered, total);
  EXPECT_FALSE(slow.next().has_value());  // and corrald hung up
  EXPECT_TRUE(call(Command::Status).ok);
}

}  // namespace
}  // namespace corral::testing
