// SPDX-License-Identifier: Apache-2.0
// Where the threads of a service go. Pure functions over a CpuTopology.
//
//  spread  : one thread per physical core first, taking cores round-robin across NUMA
//            nodes (or packages when there is one node), and only then the cores'
//            SMT siblings in the same order. Threads that compete for memory
//            bandwidth and caches get the most of both.
//  compact : fill a core's SMT siblings, then the next core of the same node, so
//            threads that share data share caches.
//  none    : no per-thread pinning; every thread gets the whole allowed set (the
//            process mask), like `taskset`.
// With more threads than allowed CPUs the order wraps around.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/sched/topology.hpp"

namespace corral::sched {

enum class PinMode { None, Spread, Compact };
std::string_view to_string(PinMode m);
std::optional<PinMode> parse_pin_mode(std::string_view s);

struct Placement {
  PinMode mode = PinMode::None;
  std::vector<int> allowed;  // the process mask: allowed ∩ online
  std::vector<int> order;    // CPU for thread i is order[i % order.size()]; empty for none
  int cpu_for(std::size_t thread_index) const;  // -1 for none
};

// `allowed` empty means every online CPU. Error when no allowed CPU is online.
Result<Placement> make_placement(const CpuTopology& topo, const std::vector<int>& allowed, PinMode mode);

// The CPU of each of `threads` threads (empty for none).
Result<std::vector<int>> place(const CpuTopology& topo, const std::vector<int>& allowed,
                               unsigned threads, PinMode mode);

}  // namespace corral::sched
