// SPDX-License-Identifier: Apache-2.0
// A counting semaphore's semantics, step by step, between real processes.
// The parent releases the processes one at a time; each calls wait() and the
// demo shows the textbook value after it (3, 2, 1, 0, -1, -2). Blocked
// processes are confirmed asleep in the kernel (/proc state and wchan), then
// the parent signals once per blocked process and records who wakes.
// Two primitives: "strong" (FifoSemaphore: mutex + condition + tickets, FIFO by
// construction) and "weak" (interprocess_semaphore, i.e. a sem_t: the kernel's
// futex queue picks whom to wake; with --rt the waiters get rising SCHED_FIFO
// priorities, and the kernel then wakes the highest priority first).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"
#include "corral/ipc/demo_common.hpp"

namespace corral::ipc {

enum class SemKind { strong, weak };
const char* to_string(SemKind k);

struct SemaphoreDemoConfig {
  int initial = 3;
  unsigned processes = 5;
  std::vector<SemKind> kinds{SemKind::strong, SemKind::weak};
  bool rt = false;  // waiters get SCHED_FIFO priorities rising with arrival
  bool trace = false;
  double timeout_s = 30;
};

struct SemStep {
  std::string action;   // "P4 wait" / "signal"
  std::int64_t value_before = 0, value_after = 0;
  std::string outcome;  // "passes", "blocks (state S, wchan futex_wait_queue)", "wakes P4"
};

struct SemKindReport {
  SemKind kind = SemKind::strong;
  std::vector<SemStep> steps;
  std::vector<unsigned> arrival_order;  // processes (1-based) that blocked, in order of blocking
  std::vector<unsigned> wake_order;     // in order of waking
  bool fifo = false;                    // wake order == blocking order
  unsigned passed_at_once = 0, blocked = 0, blocked_in_kernel = 0;
  std::int64_t final_value = 0;
  bool verified = false;
  std::string problem;
};

struct SemaphoreDemoReport {
  SemaphoreDemoConfig config;
  std::string segment;
  RunEnd end;
  std::vector<SemKindReport> kinds;
  bool verified = false;
};

Result<SemaphoreDemoReport> run_semaphore_demo(const SemaphoreDemoConfig& cfg);

void to_json(nlohmann::json& j, const SemaphoreDemoReport& r);
std::string to_text(const SemaphoreDemoReport& r);

}  // namespace corral::ipc
