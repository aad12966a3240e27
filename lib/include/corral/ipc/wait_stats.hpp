// SPDX-License-Identifier: Apache-2.0
// Per-class wait accounting kept in shared memory, updated lock-free by every
// process: how many waits, how many had to block, total and longest wait.
#pragma once

#include <atomic>
#include <cstdint>

namespace corral::ipc {

struct WaitStats {
  std::atomic<std::uint64_t> waits{0};
  std::atomic<std::uint64_t> blocked{0};
  std::atomic<std::uint64_t> total_ns{0};
  std::atomic<std::uint64_t> max_ns{0};

  void record(std::uint64_t ns, bool did_block) {
    waits.fetch_add(1, std::memory_order_relaxed);
    if (did_block) blocked.fetch_add(1, std::memory_order_relaxed);
    total_ns.fetch_add(ns, std::memory_order_relaxed);
    std::uint64_t cur = max_ns.load(std::memory_order_relaxed);
    while (ns > cur && !max_ns.compare_exchange_weak(cur, ns, std::memory_order_relaxed)) {
    }
  }
};

// The same figures kept privately by one process on a hot path and merged into
// the shared WaitStats once at the end: per-item atomics on shared cache lines
// would cost more than the semaphores being measured.
struct LocalWaitStats {
  std::uint64_t waits = 0, blocked = 0, total_ns = 0, max_ns = 0;
  void record(std::uint64_t ns, bool did_block) {
    ++waits;
    blocked += did_block ? 1 : 0;
    total_ns += ns;
    if (ns > max_ns) max_ns = ns;
  }
  void merge_into(WaitStats& s) const {
    s.waits.fetch_add(waits, std::memory_order_relaxed);
    s.blocked.fetch_add(blocked, std::memory_order_relaxed);
    s.total_ns.fetch_add(total_ns, std::memory_order_relaxed);
    std::uint64_t cur = s.max_ns.load(std::memory_order_relaxed);
    while (max_ns > cur && !s.max_ns.compare_exchange_weak(cur, max_ns, std::memory_order_relaxed)) {
    }
  }
};

// Lock-free max for any shared counter.
inline void atomic_max(std::atomic<std::uint64_t>& a, std::uint64_t v) {
  std::uint64_t cur = a.load(std::memory_order_relaxed);
  while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}
inline void atomic_min(std::atomic<std::uint64_t>& a, std::uint64_t v) {
  std::uint64_t cur = a.load(std::memory_order_relaxed);
  while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

}  // namespace corral::ipc
