// SPDX-License-Identifier: Apache-2.0
// reserve_launch_fd_slots: a launcher holding hundreds of fds starts children that
// share its table and unshare only a few slots. The child must still get exactly
// its stdio and passed fds, the launcher's fds must be untouched, and the error
// pipe must reach EOF at exec (the slots give back their copies).
// Each test runs in a thread of its own: the slots belong to the thread that
// reserved them, and this keeps them away from the other tests' fd numbers.
#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "corral/launch/launch.hpp"
#include "launch_test_util.hpp"

namespace corral::launch {
namespace {

using testing::ChildGuard;
using testing::make_pipe;
using testing::read_to_eof;

constexpr const char* kNoSlots =
    "no launch fd slots: this build makes no vfork-style children (not x86_64, or AddressSanitizer), or the "
    "kernel refuses close_range(CLOSE_RANGE_UNSHARE) (Linux < 5.9, or a seccomp policy)";

std::set<int> own_fds() {
  std::set<int> out;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return out;
  const int skip = ::dirfd(d);
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.' && std::atoi(e->d_name) != skip) out.insert(std::atoi(e->d_name));
  ::closedir(d);
  return out;
}

// Starts spec and waits, with a deadline, for the handshake: true once exec'd.
Result<Launched> start_and_confirm(const LaunchSpec& spec) {
  auto prepared = prepare(spec);
  if (!prepared) return prepared.error();
  auto pending = start(*prepared);
  if (!pending) return pending.error();
  const auto deadline = std::chrono::steady_clock::now() + testing::kDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pf{pending->handshake.get(), POLLIN, 0};
    ::poll(&pf, 1, 100);
    auto done = poll_handshake(*pending);
    if (!done) return done.error();
    if (*done) return std::move(pending->process);
  }
  ::kill(pending->process.pid, SIGKILL);
  ::waitpid(pending->process.pid, nullptr, 0);
  return Error::logic("no EOF on the error pipe after exec: a copy of its write end stayed open", ETIMEDOUT);
}

// The fd numbers a child lists for itself with `ls /proc/self/fd` (ls's own
// directory fd is the lowest free one, 3), and what it wrote to the passed fd first.
struct ChildView {
  std::string listing;
  std::string passed;
  bool slots_only = false;
};

void run_child_listing_fds(int pass_target, ChildView& view, std::string& failure) {
  auto out = make_pipe();
  auto side = make_pipe();
  LaunchSpec spec;
  const std::string n = std::to_string(pass_target);
  // bash: dash takes only one-digit fd numbers in a redirection.
  spec.argv = {"/bin/bash", "-c", "echo ready >&" + n + "; exec ls -1 /proc/self/fd"};
  spec.stdout_target = StdioTarget::from_fd(out.write.get());
  spec.stderr_target = StdioTarget::null();
  spec.pass_fds.emplace_back(side.write.get(), pass_target);
  auto launched = start_and_confirm(spec);
  if (!launched) {
    failure = launched.error().message + " (passed fd " + n + ")";
    return;
  }
  view.slots_only = launched->slots_only;
  out.write.reset();
  side.write.reset();
  ChildGuard child(std::move(*launched));
  view.listing = read_to_eof(out.read.get()).value_or("(no output)");
  view.passed = read_to_eof(side.read.get()).value_or("(no output)");
  if (child.wait_exit() != 0) failure = "the child failed (passed fd " + n + ")";
}

TEST(LaunchFdSlots, AChildOfALauncherWithManyFdsGetsOnlyItsOwn) {
  std::string failure, skipped;
  ChildView view;
  std::set<int> before, after;
  std::vector<int> held;
  std::thread launcher([&] {
    if (!reserve_launch_fd_slots()) {
      skipped = kNoSlots;
      return;
    }
    // Hundreds of the launcher's own fds, as corrald holds per service.
    for (int i = 0; i < 600; ++i) held.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    (void)prepare(testing::sleeper());  // opens the process's shared /dev/null once, before the count
    before = own_fds();
    run_child_listing_fds(700, view, failure);  // above the slots: the sharing path
    after = own_fds();
  });
  launcher.join();
  for (int fd : held)
    if (fd >= 0) ::close(fd);
  if (!skipped.empty()) GTEST_SKIP() << skipped;
  ASSERT_TRUE(failure.empty()) << failure;
  EXPECT_EQ(view.listing, "0\n1\n2\n3\n700\n") << "the child's fds after exec";
  EXPECT_EQ(view.passed, "ready\n");
  EXPECT_TRUE(view.slots_only) << "the child was given a copy of the whole table";
  // The launch's pipes are closed again, and no copy stayed on a slot.
  EXPECT_EQ(after, before);
}

TEST(LaunchFdSlots, APassedFdNumberOnASlotIsStillDeliveredExactly) {
  // The slots are the lowest free numbers when reserved: aim the passed fd at each
  // of the next few, so one launch lands on a slot (and takes the copying path).
  std::string failure, skipped;
  std::vector<ChildView> views;
  std::vector<int> targets;
  std::thread launcher([&] {
    const int lowest = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
    ::close(lowest);
    if (!reserve_launch_fd_slots()) {
      skipped = kNoSlots;
      return;
    }
    for (int t = std::max(lowest, 4); t < lowest + 10 && failure.empty(); ++t) {
      targets.push_back(t);
      views.emplace_back();
      run_child_listing_fds(t, views.back(), failure);
    }
  });
  launcher.join();
  if (!skipped.empty()) GTEST_SKIP() << skipped;
  ASSERT_TRUE(failure.empty()) << failure;
  // Both paths ran: a target on a slot copies the table, one above shares it.
  EXPECT_TRUE(std::any_of(views.begin(), views.end(), [](const ChildView& v) { return v.slots_only; }));
  EXPECT_TRUE(std::any_of(views.begin(), views.end(), [](const ChildView& v) { return !v.slots_only; }));
  for (std::size_t i = 0; i < targets.size(); ++i) {
    std::ostringstream want;  // in ls's order: as text
    std::set<std::string> fds{"0", "1", "2", "3", std::to_string(targets[i])};
    for (const auto& fd : fds) want << fd << '\n';
    EXPECT_EQ(views[i].listing, want.str()) << "passed fd " << targets[i];
    EXPECT_EQ(views[i].passed, "ready\n") << "passed fd " << targets[i];
  }
}

}  // namespace
}  // namespace corral::launch
