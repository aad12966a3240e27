// SPDX-License-Identifier: Apache-2.0
// Dining philosophers between real processes. Forks (and the waiter's room)
// are corral::ipc::TrackedSemaphore, so corral's deadlock detector sees in the
// resource registry who holds which fork and who waits for which.
//   naive   - left fork, then right: can deadlock (certainly so with
//             force_deadlock, where a barrier after the first fork makes every
//             philosopher hold its left fork before anyone reaches for a right one);
//   ordered - lower-numbered fork first (resource ordering breaks circular wait);
//   waiter  - a room semaphore with N-1 places (at most N-1 reach for forks).
// The parent watches progress; no meal for `stall_timeout` = deadlock, which it
// confirms from the registry (every philosopher holds one fork and waits for
// the next: a cycle) and reports with exit code 4.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"
#include "corral/ipc/demo_common.hpp"

namespace corral::ipc {

enum class PhiloStrategy { naive, ordered, waiter };
const char* to_string(PhiloStrategy s);

struct PhiloConfig {
  unsigned philosophers = 5;
  PhiloStrategy strategy = PhiloStrategy::ordered;
  unsigned meals = 10;
  unsigned eat_us = 2000;
  unsigned think_us = 1000;
  bool force_deadlock = false;  // naive only
  double stall_timeout_s = 3;   // no meal for this long = deadlock
  bool hold = false;            // stay deadlocked until SIGINT/SIGTERM (for a detector)
  bool trace = false;
  double timeout_s = 300;
};

struct PhiloReport {
  PhiloConfig config;
  std::string registry;  // waits::Registry name (segment /dev/shm/corral-reg-NAME)
  RunEnd end;
  bool deadlock = false;
  std::vector<std::string> cycle;  // "P0 holds fork0, waits for fork1", from the registry
  std::vector<std::uint64_t> meals;
  std::vector<double> longest_wait_ms, mean_wait_ms;
  std::uint64_t neighbour_overlaps = 0, fork_conflicts = 0;
  double seconds = 0;
  bool verified = false;
};

// Runs the demo. When hold is set and a deadlock is found, it stays deadlocked
// (printing hold_message first) until a termination signal arrives.
Result<PhiloReport> run_philosophers(const PhiloConfig& cfg, const std::function<void(const std::string&)>& hold_message = {});

void to_json(nlohmann::json& j, const PhiloReport& r);
std::string to_text(const PhiloReport& r);
int exit_code_for(const PhiloReport& r);

}  // namespace corral::ipc
