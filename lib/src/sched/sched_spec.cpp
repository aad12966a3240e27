// SPDX-License-Identifier: Apache-2.0
#include "corral/sched/sched_spec.hpp"

#include <sched.h>

#include <array>
#include <utility>

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

namespace corral::sched {
namespace {
constexpr std::array<std::pair<Policy, std::string_view>, 6> kNames{{
    {Policy::Other, "other"},
    {Policy::Batch, "batch"},
    {Policy::Idle, "idle"},
    {Policy::Fifo, "fifo"},
    {Policy::RoundRobin, "rr"},
    {Policy::Deadline, "deadline"},
}};
}  // namespace

std::string_view to_string(Policy p) {
  for (auto& [policy, name] : kNames)
    if (policy == p) return name;
  return "?";
}

std::optional<Policy> parse_policy(std::string_view name) {
  for (auto& [policy, n] : kNames)
    if (n == name) return policy;
  return std::nullopt;
}

int to_kernel(Policy p) {
  switch (p) {
    case Policy::Other: return SCHED_OTHER;
    case Policy::Batch: return SCHED_BATCH;
    case Policy::Idle: return SCHED_IDLE;
    case Policy::Fifo: return SCHED_FIFO;
    case Policy::RoundRobin: return SCHED_RR;
    case Policy::Deadline: return SCHED_DEADLINE;
  }
  return SCHED_OTHER;
}

}  // namespace corral::sched
