// SPDX-License-Identifier: Apache-2.0
// What scheduling a process should get: the SCHED policy and its parameters.
// Applied by the launcher in the child before exec (see launch/launch.hpp) and by
// `corralctl sched` on running processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace corral::sched {

enum class Policy { Other, Batch, Idle, Fifo, RoundRobin, Deadline };

struct SchedSpec {
  Policy policy = Policy::Other;
  unsigned priority = 0;               // 1..99 for fifo/rr, 0 otherwise
  std::optional<int> nice;             // applied after the policy (which resets it)
  std::uint64_t runtime_ns = 0;        // deadline only
  std::uint64_t deadline_ns = 0;       // deadline only
  std::uint64_t period_ns = 0;         // deadline only
  bool operator==(const SchedSpec&) const = default;
};

std::string_view to_string(Policy p);                     // "other", "fifo", ...
std::optional<Policy> parse_policy(std::string_view name);  // inverse of to_string
int to_kernel(Policy p);                                  // SCHED_* constant

}  // namespace corral::sched
