// SPDX-License-Identifier: Apache-2.0
// The registry and TrackedSemaphore between real processes (shared memory, no root).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <gtest/gtest.h>
#include <thread>

#include "corral/ipc/tracked_semaphore.hpp"
#include "corral/waits/registry.hpp"

using namespace corral;
using namespace std::chrono_literals;

namespace {

std::string unique_name(const char* what) {
  static int counter = 0;
  return std::string("t-") + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// Removes the registry segment at scope exit, whatever the test did.
struct RegistryCleanup {
  std::string name;
  ~RegistryCleanup() { (void)waits::Registry::remove(name); }
};

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds deadline = 10s) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

}  // namespace

TEST(TrackedSemaphore, CountsInstancesAndRecordsTheHolder) {
  RegistryCleanup clean{unique_name("count")};
  auto sem = ipc::TrackedSemaphore::create(clean.name, "s", 3);
  ASSERT_TRUE(sem) << sem.error().message;
  EXPECT_TRUE(sem->creator());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sem->wait());
  auto t = sem->try_wait();
  ASSERT_TRUE(t);
  EXPECT_FALSE(*t);  // the fourth would block
  auto timed = sem->timed_wait(50ms);
  ASSERT_TRUE(timed);
  EXPECT_FALSE(*timed);
  auto reg = waits::Registry::open(clean.name);
  ASSERT_TRUE(reg);
  auto snap = reg->snapshot();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->resources.size(), 1u);
  EXPECT_EQ(snap->resources[0].available, 0u);
  ASSERT_EQ(snap->entries.size(), 1u);
  EXPECT_EQ(snap->entries[0].pid, ::getpid());
  EXPECT_EQ(snap->entries[0].held, 3u);
  EXPECT_EQ(snap->entries[0].waiting, 0u);  // the timed-out wait left no trace
  ASSERT_TRUE(sem->post());
  EXPECT_EQ(*sem->value(), 1u);
}

TEST(TrackedSemaphore, WaiterInAnotherProcessIsVisibleThenGranted) {
  RegistryCleanup clean{unique_name("wait")};
  auto sem = ipc::TrackedSemaphore::create(clean.name, "fork0", 1);
  ASSERT_TRUE(sem) << sem.error().message;
  ASSERT_TRUE(sem->wait());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto mine = ipc::TrackedSemaphore::open(clean.name, "fork0");
    if (!mine || !mine->wait()) ::_exit(1);
    if (!mine->post()) ::_exit(2);
    ::_exit(0);
  }
  auto reg = waits::Registry::open(clean.name);
  ASSERT_TRUE(reg);
  bool seen = wait_until([&] {
    auto snap = reg->snapshot();
    if (!snap) return false;
    for (const auto& e : snap->entries)
      if (e.pid == child && e.waiting == 1) return true;
    return false;
  });
  EXPECT_TRUE(seen);
  ASSERT_TRUE(sem->post());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(*sem->value(), 1u);
}

TEST(TrackedSemaphore, DeadHolderIsPurgedAndItsInstanceReturns) {
  RegistryCleanup clean{unique_name("dead")};
  auto sem = ipc::TrackedSemaphore::create(clean.name, "s", 1);
  ASSERT_TRUE(sem);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto mine = ipc::TrackedSemaphore::open(clean.name, "s");
    if (!mine || !mine->wait()) ::_exit(1);
    char c = 'r';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::close(ready[1]);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  auto got = sem->timed_wait(10s);  // the purge gives the dead child's instance back
  ASSERT_TRUE(got);
  EXPECT_TRUE(*got);
}

TEST(TrackedSemaphore, OpenMissingFailsWithAClearError) {
  auto sem = ipc::TrackedSemaphore::open(unique_name("missing"), "x");
  ASSERT_FALSE(sem);
  EXPECT_NE(sem.error().message.find("corral-reg-"), std::string::npos);
  auto bad = ipc::TrackedSemaphore::create("bad/name", "x", 1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, EINVAL);
}

TEST(TrackedSemaphore, RemoveOnlyByCreator) {
  std::string name = unique_name("rm");
  RegistryCleanup clean{name};
  auto sem = ipc::TrackedSemaphore::create(name, "s", 1);
  ASSERT_TRUE(sem);
  auto other = ipc::TrackedSemaphore::create(name, "t", 1);  // same segment, not its creator
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->creator());
  ASSERT_TRUE(other->remove());  // no-op
  EXPECT_EQ(::access(("/dev/shm/corral-reg-" + name).c_str(), F_OK), 0);
  ASSERT_TRUE(sem->remove());
  EXPECT_NE(::access(("/dev/shm/corral-reg-" + name).c_str(), F_OK), 0);
}

TEST(RegistryAvoidance, UnsafeRequestWaitsUntilTheStateIsSafe) {
  // Two processes, resources A and B with one instance each; both claim both. Once P
  // (this process) holds A, the child's request for B would be unsafe (each could then
  // wait for the other), so the banker defers it until P releases A.
  RegistryCleanup clean{unique_name("bank")};
  auto reg = waits::Registry::open_or_create(clean.name, {.avoidance = true});
  ASSERT_TRUE(reg) << reg.error().message;
  auto a = *reg->add_resource("A", 1);
  auto b = *reg->add_resource("B", 1);
  int go[2];
  int done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto r = waits::Registry::open(clean.name);
    if (!r || !r->declare_claim(a, 1) || !r->declare_claim(b, 1)) ::_exit(1);
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(2);
    if (!r->acquire(b, 1)) ::_exit(3);  // deferred while unsafe
    c = 'g';
    (void)!::write(done[1], &c, 1);
    ::_exit(0);
  }
  ASSERT_TRUE(reg->declare_claim(a, 1));
  ASSERT_TRUE(reg->declare_claim(b, 1));
  bool claimed = wait_until([&] {
    auto snap = reg->snapshot();
    int n = 0;
    for (const auto& e : snap->entries) n += e.pid == child;
    return n == 2;
  });
  ASSERT_TRUE(claimed);
  ASSERT_TRUE(reg->acquire(a, 1));  // safe: P can still finish with B free
  char c = 'x';
  ASSERT_EQ(::write(go[1], &c, 1), 1);
  bool deferred = wait_until([&] {
    auto snap = reg->snapshot();
    for (const auto& e : snap->entries)
      if (e.pid == child && e.resource == b && e.waiting == 1) return true;
    return false;
  });
  EXPECT_TRUE(deferred);
  EXPECT_EQ(*reg->available(b), 1u);  // B is free, yet not granted: that is avoidance
  ASSERT_TRUE(reg->release(a, 1));
  ASSERT_EQ(::read(done[0], &c, 1), 1);  // now granted
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  for (int fd : {go[0], go[1], done[0], done[1]}) ::close(fd);
}
