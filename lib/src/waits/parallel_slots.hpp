// SPDX-License-Identifier: Apache-2.0
// A pass over many processes on several threads, whose results come out exactly as a
// single thread would give them: each index is done by one worker, which writes only
// its own slot, and the caller reads the slots in index order after the join.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <utility>
#include <vector>

namespace corral::waits::detail {

// How many threads a pass over n processes is worth. Reading /proc is kernel work per
// file, so a second core about halves the wall time; a thread costs tens of µs to
// start, which a small scan (a --pid scan, a quiet system) does not repay.
inline unsigned scan_workers(std::size_t n) {
  if (n < 256) return 1;
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  return std::min({hw, 4u, static_cast<unsigned>(n / 128)});
}

// Runs work(i, worker) for every i in [0, n); the calling thread is worker 0. Indices
// are handed out in small chunks rather than halves, so one slow stretch of processes
// (many threads, many fds) does not leave the other core idle. The calling thread
// first runs first_on_caller() (work of its own that needs none of the slots), then
// joins in: the helpers take the chunks meanwhile.
template <class Work, class First>
void for_each_index(std::size_t n, unsigned workers, Work&& work, First&& first_on_caller) {
  constexpr std::size_t kChunk = 32;
  std::atomic<std::size_t> next{0};
  auto run = [&](unsigned worker) {
    for (;;) {
      const std::size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= n) return;
      const std::size_t end = std::min(n, begin + kChunk);
      for (std::size_t i = begin; i < end; ++i) work(i, worker);
    }
  };
  std::vector<std::jthread> helpers;
  for (unsigned w = 1; w < workers; ++w) helpers.emplace_back(run, w);
  first_on_caller();
  run(0);
  // ~jthread joins: every slot is written and visible when this returns.
}

template <class Work>
void for_each_index(std::size_t n, unsigned workers, Work&& work) {
  for_each_index(n, workers, std::forward<Work>(work), [] {});
}

}  // namespace corral::waits::detail
