// SPDX-License-Identifier: Apache-2.0
// AdaptiveSemaphore and AdaptiveMutex (the bounded buffer's primitives) between
// real processes: textbook counting, a waiter that must wait really asleep in
// the kernel until a post or an unlock, and no unit or increment lost or doubled
// when several processes post, take and lock at once, with and without spinning.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <new>
#include <thread>

#include <gtest/gtest.h>

#include "corral/ipc/adaptive_sync.hpp"
#include "corral/ipc/children.hpp"
#include "corral/ipc/proc_blocked.hpp"

using namespace corral::ipc;
using namespace std::chrono_literals;

namespace {

template <typename T>
T* map_shared() {
  void* mem = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  return new (mem) T();  // page-aligned, so the 64-byte alignment holds
}

template <typename T>
void unmap(T* p) {
  p->~T();
  ::munmap(p, sizeof(T));
}

template <typename Pred>
bool within(std::chrono::milliseconds limit, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

struct OneSemaphore {
  AdaptiveSemaphore sem{0};
  std::atomic<int> passed{0};
  std::atomic<int> slept{0};
};

}  // namespace

TEST(IpcAdaptiveSemaphore, CountsTheTextbookWay) {
  auto* s = new (std::align_val_t{64}) AdaptiveSemaphore(3);
  AdaptiveSemaphore::View v;
  EXPECT_EQ(s->value(), 3u);
  EXPECT_TRUE(s->try_wait(v));
  EXPECT_TRUE(s->try_wait(v));
  EXPECT_TRUE(s->spin_wait(v, SpinBudget{10}));
  EXPECT_FALSE(s->try_wait(v));
  EXPECT_FALSE(s->spin_wait(v, SpinBudget{100}));
  EXPECT_EQ(s->value(), 0u);
  s->post();
  EXPECT_EQ(s->value(), 1u);
  EXPECT_FALSE(s->wait(v));  // a unit was there: no sleep
  EXPECT_EQ(s->value(), 0u);
  ::operator delete(s, std::align_val_t{64});
}

// A wait with nothing to take sleeps in the kernel (state S on a futex), not in
// a spin, and the post wakes it; wait() says it slept.
TEST(IpcAdaptiveSemaphore, WaiterSleepsInTheKernelUntilPost) {
  auto* sh = map_shared<OneSemaphore>();
  ASSERT_NE(sh, nullptr);
  Children kids;
  auto pid = kids.spawn("waiter", [sh] {
    AdaptiveSemaphore::View v;
    if (sh->sem.wait(v)) sh->slept.store(1);
    sh->passed.store(1);
    return 0;
  });
  ASSERT_TRUE(pid);
  EXPECT_TRUE(within(10s, [&] { return kernel_wait_of(*pid).blocked(); })) << "waiter never slept in the kernel";
  EXPECT_EQ(sh->passed.load(), 0);
  sh->sem.post();
  EXPECT_TRUE(within(10s, [&] { return sh->passed.load() == 1; }));
  EXPECT_EQ(kids.wait_all(10s).outcome, WaitOutcome::all_exited);
  EXPECT_EQ(sh->slept.load(), 1);
  EXPECT_EQ(sh->sem.value(), 0u);
  unmap(sh);
}

namespace {

// A bounded buffer reduced to its counting: producers post `full` after
// taking `empty`, consumers the other way round. Every unit must come out once.
struct Counting {
  AdaptiveSemaphore empty{4};
  AdaptiveSemaphore full{0};
  AdaptiveMutex mutex;
  std::int64_t inside = 0;  // guarded by mutex: units between put and take
  std::int64_t max_inside = 0, min_inside = 0;
  std::uint64_t taken = 0;
};

void run_counting(unsigned spin_pauses) {
  constexpr int kProducers = 3, kConsumers = 3, kEach = 20000;
  auto* sh = map_shared<Counting>();
  ASSERT_NE(sh, nullptr);
  Children kids;
  const SpinBudget spin{spin_pauses};
  for (int p = 0; p < kProducers; ++p)
    ASSERT_TRUE(kids.spawn("producer", [sh, spin] {
      AdaptiveSemaphore::View v;
      for (int i = 0; i < kEach; ++i) {
        if (!sh->empty.try_wait(v) && !sh->empty.spin_wait(v, spin)) sh->empty.wait(v);
        if (!sh->mutex.try_lock() && !sh->mutex.spin_lock(spin)) sh->mutex.lock();
        sh->max_inside = std::max(sh->max_inside, ++sh->inside);
        sh->mutex.unlock();
        sh->full.post();
      }
      return 0;
    }));
  for (int c = 0; c < kConsumers; ++c)
    ASSERT_TRUE(kids.spawn("consumer", [sh, spin] {
      AdaptiveSemaphore::View v;
      for (int i = 0; i < kEach * kProducers / kConsumers; ++i) {
        if (!sh->full.try_wait(v) && !sh->full.spin_wait(v, spin)) sh->full.wait(v);
        if (!sh->mutex.try_lock() && !sh->mutex.spin_lock(spin)) sh->mutex.lock();
        sh->min_inside = std::min(sh->min_inside, --sh->inside);
        ++sh->taken;
        sh->mutex.unlock();
        sh->empty.post();
      }
      return 0;
    }));
  EXPECT_EQ(kids.wait_all(60s).outcome, WaitOutcome::all_exited);
  EXPECT_EQ(sh->taken, static_cast<std::uint64_t>(kProducers) * kEach);
  EXPECT_EQ(sh->inside, 0);
  EXPECT_GE(sh->min_inside, 0);
  EXPECT_LE(sh->max_inside, 4);
  EXPECT_EQ(sh->empty.value(), 4u);
  EXPECT_EQ(sh->full.value(), 0u);
  unmap(sh);
}

}  // namespace

TEST(IpcAdaptiveSemaphore, SixProcessesLoseNoUnitWhenEveryWaitSleeps) { run_counting(0); }

TEST(IpcAdaptiveSemaphore, SixProcessesLoseNoUnitWithSpinning) { run_counting(1000); }

namespace {
struct OneMutex {
  AdaptiveMutex mutex;
  std::atomic<int> inside{0};
  std::atomic<int> slept{0};
};
}  // namespace

TEST(IpcAdaptiveMutex, SecondLockerSleepsInTheKernelUntilUnlock) {
  auto* sh = map_shared<OneMutex>();
  ASSERT_NE(sh, nullptr);
  ASSERT_FALSE(sh->mutex.lock());
  EXPECT_FALSE(sh->mutex.try_lock());
  EXPECT_FALSE(sh->mutex.spin_lock(SpinBudget{100}));
  Children kids;
  auto pid = kids.spawn("locker", [sh] {
    if (sh->mutex.lock()) sh->slept.store(1);
    sh->inside.store(1);
    sh->mutex.unlock();
    return 0;
  });
  ASSERT_TRUE(pid);
  EXPECT_TRUE(within(10s, [&] { return kernel_wait_of(*pid).blocked(); })) << "locker never slept in the kernel";
  EXPECT_EQ(sh->inside.load(), 0);
  sh->mutex.unlock();
  EXPECT_EQ(kids.wait_all(10s).outcome, WaitOutcome::all_exited);
  EXPECT_EQ(sh->inside.load(), 1);
  EXPECT_EQ(sh->slept.load(), 1);
  EXPECT_TRUE(sh->mutex.try_lock());
  sh->mutex.unlock();
  unmap(sh);
}
