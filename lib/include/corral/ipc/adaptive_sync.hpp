// SPDX-License-Identifier: Apache-2.0
// A counting semaphore and a mutex for processes sharing memory, on futexes,
// that spin briefly in user space before they sleep in the kernel (as glibc's
// adaptive mutexes and the kernel's own locks do). Made for the bounded buffer
// (prodcons) after profiling it against a busy-wait ring (issue 13): with one
// producer and one consumer on two CPUs, the cost per item is the number of
// times a cache line has to move between the CPUs, ~200 ns each on the build
// machine, not system calls.
//
// What differs from sem_t and pthread_mutex_t (Boost.Interprocess's primitives
// on Linux), whose fast paths are otherwise as cheap:
//  - the semaphore keeps the units given and the units taken on two cache
//    lines (below), so posting and taking do not fight over one line;
//  - a spinning waiter only reads, less and less often, and the mutex is
//    test-and-test-and-set: a failed pthread_mutex_trylock is a compare-and-swap
//    that takes the line from the holder at every try;
//  - both are small enough to sit beside the data they guard.
//
// Semantics are the textbook ones: wait() takes one unit or sleeps in the kernel
// (futex) until post() gives one; post() wakes a sleeper only when one is
// registered (no system call otherwise). The semaphore is weak: no FIFO order
// among sleepers is promised (FifoSemaphore is the strong one). Both live in
// shared memory at 64-byte aligned addresses and are shared across fork().
#pragma once

#include <atomic>
#include <cstdint>

namespace corral::ipc {

// How long a wait spins before it sleeps, as a number of CPU pause
// instructions (0 = sleep at once, the right choice on one CPU).
struct SpinBudget {
  unsigned pauses = 0;
};

// The value is kept as two counters, units given (posts_) and units taken
// (takes_), value = posts_ - takes_, each on its own cache line: a post writes
// only the posters' line and a wait only the waiters' line, so with one
// producer and one consumer neither side's read-modify-write has to pull a line
// the other side just wrote (a single counter would move between the CPUs at
// every wait and every post). The counters are 32-bit and wrap; their
// difference is exact while the value stays at most kMaxValue.
class AdaptiveSemaphore {
 public:
  static constexpr std::uint32_t kMaxValue = 1u << 30;

  // One process's memory of the posts counter, kept in that process (not in
  // the shared segment): while it shows units beyond the ones taken, a wait
  // takes one without reading the posters' line at all.
  struct View {
    std::uint32_t given = 0;
  };

  // initial <= kMaxValue, and posts beyond kMaxValue units are not allowed.
  explicit AdaptiveSemaphore(std::uint32_t initial) { posts_.word.store(initial, std::memory_order_relaxed); }
  AdaptiveSemaphore(const AdaptiveSemaphore&) = delete;
  AdaptiveSemaphore& operator=(const AdaptiveSemaphore&) = delete;

  // Takes one unit if there is one, without waiting.
  bool try_wait(View& view);
  // Takes one unit if one comes within the budget, watching without writing.
  bool spin_wait(View& view, SpinBudget spin);
  // P: takes one unit, sleeping in the kernel until there is one. Returns true
  // when it did sleep. A caller that wants to spin first calls spin_wait().
  bool wait(View& view);
  // V: gives one unit; wakes one sleeper if any is registered.
  void post();
  std::uint32_t value() const;

 private:
  struct alignas(64) Posters {
    std::atomic<std::uint32_t> word{0};      // units given so far: the futex word sleepers wait on
    std::atomic<std::uint32_t> sleepers{0};  // processes committed to sleeping (written only then)
  };
  struct alignas(64) Takers {
    std::atomic<std::uint32_t> word{0};  // units taken so far
  };
  Posters posts_;
  Takers takes_;
};

class AdaptiveMutex {
 public:
  AdaptiveMutex() = default;
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;

  bool try_lock();
  // Takes the mutex if it comes free within the budget.
  bool spin_lock(SpinBudget spin);
  // Takes the mutex, sleeping in the kernel while another holds it. Returns
  // true when it did sleep.
  bool lock();
  void unlock();

 private:
  // 0 free, 1 locked, 2 locked and someone may sleep on it (Drepper,
  // "Futexes Are Tricky", mutex 3): unlock calls the kernel only from 2.
  std::atomic<std::uint32_t> state_{0};
};

static_assert(sizeof(AdaptiveSemaphore) == 128 && sizeof(AdaptiveMutex) == 4);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace corral::ipc
