// SPDX-License-Identifier: Apache-2.0
// The textbook's scheduling policies for the long-term scheduler (the job queue):
// FCFS, RR(q), SPN, SRT, HRRN and FB (quantum q in every queue, or 2^i quanta in
// queue i). A Policy is plain data; AdmissionQueue (admission_queue.hpp) carries
// out its decisions, the same code for the simulator and for corrald's queues.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "corral/base/result.hpp"

namespace corral::jobs {

// Time in the caller's unit: the simulator counts thousandths of a time unit,
// corrald counts nanoseconds. Integers, so that the tie rules compare exactly.
using Tick = std::int64_t;
inline constexpr Tick kForever = INT64_MAX;

enum class PolicyKind { Fcfs, Rr, Spn, Srt, Hrrn, Fb };

struct Policy {
  PolicyKind kind = PolicyKind::Fcfs;
  Tick quantum = 0;              // rr and fb: the quantum (fb: of queue 0 when doubling)
  bool quantum_doubles = false;  // fb "2^i": queue i has a quantum of 2^i * quantum

  // Whether the policy needs an expected service time (spn, srt, hrrn).
  bool needs_estimate() const;
  // Whether it uses a quantum at all (rr, fb).
  bool uses_quantum() const;
  // The time slice a job gets when dispatched from feedback queue `level`:
  // kForever for the policies without a quantum.
  Tick slice(int level) const;

  bool operator==(const Policy&) const = default;
};

// Feedback queues 0..kFeedbackQueues-1; the last one is round robin.
inline constexpr int kFeedbackQueues = 16;

// "fcfs", "rr", "spn", "srt", "hrrn", "fb" (case-sensitive, as in the config file).
Result<PolicyKind> parse_policy_kind(std::string_view name);
std::string_view policy_name(PolicyKind kind);

// A whole policy from its name and quantum text. `quantum_text` is "" (default:
// one `unit`), a positive number of `unit`s ("4", "0.5"), or "2^i" (fb only).
// `unit` is how many Ticks one time unit is (1000 in the simulator).
Result<Policy> make_policy(std::string_view name, std::string_view quantum_text, Tick unit);

// "fcfs", "rr q=4", "fb q=2^i": for titles and tables; `unit` as above.
std::string describe(const Policy& policy, Tick unit);

}  // namespace corral::jobs
