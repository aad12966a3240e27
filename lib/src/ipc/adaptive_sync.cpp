// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/adaptive_sync.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace corral::ipc {

namespace {

// Shared (not FUTEX_PRIVATE_FLAG) futexes: the words live in memory mapped by
// several processes. Both calls may return early (EINTR, EAGAIN, a wake meant
// for someone else); every caller re-checks its word in a loop.
template <typename Word>
void futex_wait(std::atomic<Word>& word, Word expected) {
  static_assert(sizeof(std::atomic<Word>) == 4);
  ::syscall(SYS_futex, reinterpret_cast<Word*>(&word), FUTEX_WAIT, expected, nullptr, nullptr, 0);
}

template <typename Word>
void futex_wake_one(std::atomic<Word>& word) {
  ::syscall(SYS_futex, reinterpret_cast<Word*>(&word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

inline void cpu_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace

namespace {
// Units the view shows beyond the ones taken, or 0 when it shows none or is too
// old to tell (the takers' counter has gone so far past it that the 32-bit
// difference could have wrapped).
std::uint32_t units_seen(std::uint32_t given, std::uint32_t taken) {
  const std::uint32_t d = given - taken;
  return d <= AdaptiveSemaphore::kMaxValue ? d : 0;
}
}  // namespace

bool AdaptiveSemaphore::try_wait(View& view) {
  std::uint32_t taken = takes_.word.load(std::memory_order_relaxed);
  // The view is never ahead of posts_ (the counter only grows), so a unit it
  // shows is really there, and the acquire load that produced it already made
  // the posters' writes before it (a slot they filled) visible: posts are
  // read-modify-writes, so reading one synchronizes with every earlier post.
  if (units_seen(view.given, taken) == 0) view.given = posts_.word.load(std::memory_order_acquire);
  while (units_seen(view.given, taken) > 0)
    if (takes_.word.compare_exchange_weak(taken, taken + 1, std::memory_order_acquire, std::memory_order_relaxed))
      return true;
  return false;
}

std::uint32_t AdaptiveSemaphore::value() const {
  return units_seen(posts_.word.load(std::memory_order_acquire), takes_.word.load(std::memory_order_relaxed));
}

bool AdaptiveSemaphore::spin_wait(View& view, SpinBudget spin) {
  // Reading only, and less and less often (1, 2, 4 ... 64 pauses apart): every
  // read pulls the posters' line over to this CPU, and a poster that finds its
  // line gone stalls on its next post. Left alone for a while, the other side
  // gets several items done with its lines at home, and this one then finds
  // several units at once. Measured on the 2-CPU build machine: about a third
  // more items per second than a read after every pause.
  constexpr unsigned kMaxGap = 64;
  unsigned gap = 1;
  for (unsigned spent = 0; spent < spin.pauses; spent += gap, gap = std::min(2 * gap, kMaxGap)) {
    for (unsigned i = 0; i < gap; ++i) cpu_pause();
    if (try_wait(view)) return true;
  }
  return false;
}

bool AdaptiveSemaphore::wait(View& view) {
  if (try_wait(view)) return false;
  // Register, then re-check (both sequentially consistent, as post() adds and
  // then reads sleepers): either post() sees this sleeper and wakes it, or the
  // re-check sees post()'s unit. The kernel puts a process to sleep only while
  // the posts counter still holds the value it read, so a post in between
  // makes the sleep return at once.
  posts_.sleepers.fetch_add(1, std::memory_order_seq_cst);
  bool slept = false;
  for (;;) {
    view.given = posts_.word.load(std::memory_order_seq_cst);
    if (try_wait(view)) break;
    futex_wait(posts_.word, view.given);
    slept = true;
  }
  posts_.sleepers.fetch_sub(1, std::memory_order_relaxed);
  return slept;
}

void AdaptiveSemaphore::post() {
  posts_.word.fetch_add(1, std::memory_order_seq_cst);
  if (posts_.sleepers.load(std::memory_order_seq_cst) > 0) futex_wake_one(posts_.word);
}

bool AdaptiveMutex::try_lock() {
  std::uint32_t expected = 0;
  return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed);
}

bool AdaptiveMutex::spin_lock(SpinBudget spin) {
  // Test before test-and-set: a failed compare-and-swap would take the line
  // from the holder, who needs it for the data it guards and for unlock.
  for (unsigned i = 0; i < spin.pauses; ++i) {
    cpu_pause();
    if (state_.load(std::memory_order_relaxed) == 0 && try_lock()) return true;
  }
  return false;
}

bool AdaptiveMutex::lock() {
  if (try_lock()) return false;
  // Mark "maybe sleepers" (2) and sleep while it stays locked; taking it with 2
  // is conservative: the next unlock makes one futex call that may find nobody.
  bool slept = false;
  while (state_.exchange(2, std::memory_order_acquire) != 0) {
    futex_wait(state_, 2u);
    slept = true;
  }
  return slept;
}

void AdaptiveMutex::unlock() {
  if (state_.exchange(0, std::memory_order_release) == 2) futex_wake_one(state_);
}

}  // namespace corral::ipc
