// Pinner on real processes: every thread placed, and a thread created later is
// pinned by the next rescan.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "corral/sched/pinner.hpp"

using namespace corral::sched;
using namespace std::chrono_literals;

namespace {
struct Helper {
  pid_t pid = -1;
  int out = -1;
  Helper() {
    int fds[2];
    if (::pipe(fds) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::string prog = std::string(CORRAL_BIN_DIR) + "/test-helpers/corral-test-late_thread";
    char* argv[] = {prog.data(), nullptr};
    if (posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv, environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out = fds[0];
  }
  bool ready() {
    char buf[6] = {};
    return ::read(out, buf, 6) == 6 && std::string(buf, 5) == "ready";
  }
  ~Helper() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }
};
}  // namespace

TEST(Pinner, PinsEveryThreadAndLateThreadsOnRescan) {
  auto topo = CpuTopology::read();
  ASSERT_TRUE(topo.ok()) << topo.error().message;
  Helper h;
  ASSERT_GT(h.pid, 0);
  ASSERT_TRUE(h.ready());

  auto placement = make_placement(*topo, {}, PinMode::Spread);
  ASSERT_TRUE(placement.ok());
  Pinner pinner(h.pid, *placement);
  auto n = pinner.apply();
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(*get_affinity(h.pid), std::vector<int>{placement->cpu_for(0)});

  ASSERT_EQ(::kill(h.pid, SIGUSR1), 0);
  // Wait for the new thread, then rescan on an interval until it is placed.
  pid_t late = -1;
  auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end && late < 0) {
    auto tids = list_threads(h.pid);
    ASSERT_TRUE(tids.ok());
    if (tids->size() == 2) late = tids->at(1);
    else std::this_thread::sleep_for(10ms);
  }
  ASSERT_GT(late, 0) << "helper never started its second thread";
  // The new thread inherited the main thread's single-CPU mask; one rescan must move
  // it to the next slot of the placement.
  auto again = pinner.rescan();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 1u);
  EXPECT_EQ(*get_affinity(late), std::vector<int>{placement->cpu_for(1)});
  EXPECT_EQ(pinner.placed().size(), 2u);
  EXPECT_EQ(pinner.placed().at(late), placement->cpu_for(1));
  // Nothing new: a rescan places nothing.
  EXPECT_EQ(*pinner.rescan(), 0u);
}

TEST(Pinner, NoneSetsTheProcessMaskOnEveryThread) {
  auto topo = CpuTopology::read();
  ASSERT_TRUE(topo.ok());
  Helper h;
  ASSERT_TRUE(h.ready());
  auto placement = make_placement(*topo, {topo->online().front()}, PinMode::None);
  ASSERT_TRUE(placement.ok());
  Pinner pinner(h.pid, *placement);
  ASSERT_TRUE(pinner.apply().ok());
  EXPECT_EQ(*get_affinity(h.pid), std::vector<int>{topo->online().front()});
}

TEST(Pinner, VanishedProcessIsAnError) {
  auto topo = CpuTopology::read();
  ASSERT_TRUE(topo.ok());
  pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  ::waitpid(p, nullptr, 0);
  Pinner pinner(p, *make_placement(*topo, {}, PinMode::Spread));
  auto r = pinner.apply();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(std::to_string(p)), std::string::npos);
}
