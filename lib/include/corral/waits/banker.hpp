// SPDX-License-Identifier: Apache-2.0
// corral::waits::Banker: deadlock avoidance by resource-allocation denial (the banker's
// algorithm) and the textbook multi-instance detection algorithm. Pure: no I/O, no locks,
// so the registry (which holds its own lock) and the unit tests share the same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace corral::waits {

using Vec = std::vector<std::int64_t>;  // one entry per resource
using Mat = std::vector<Vec>;           // [process][resource]

// The banker's state: totals, each process's maximum claim and current allocation.
// Available is derived: total - sum(allocation).
struct BankerState {
  Vec total;
  Mat claim;
  Mat alloc;

  Vec available() const;
  // Rows are processes; the caller builds it column-wise from the textbook's tables.
  std::size_t processes() const { return alloc.size(); }
  std::size_t resources() const { return total.size(); }
};

enum class BankerDecision {
  kGranted,   // the request was safe and is now in alloc
  kMustWait,  // granting now would be unsafe, or not enough is available: retry later
  kInvalid,   // the request exceeds the process's claim, or the state is malformed
};

// A safe sequence (process indices) if the state is safe, otherwise nullopt. Scans from
// process 0 each round and takes the first that can finish, which yields the textbook's
// order (P2, P1, P3, P4 for its worked example).
std::optional<std::vector<std::size_t>> banker_safe_sequence(const BankerState& s);

// Resource-allocation denial: grants `request` for process p (adding it to alloc) only if
// the resulting state is safe.
BankerDecision banker_request(BankerState& s, std::size_t p, const Vec& request);

// Process p gives back `amount` (clamped to what it holds).
void banker_release(BankerState& s, std::size_t p, const Vec& amount);

// Textbook detection with multi-instance resources: given Available, Allocation and
// Request (outstanding, blocked requests), returns the indices of the processes that
// can never finish (deadlocked). A process with no allocation is never deadlocked.
std::vector<std::size_t> detect_multi_instance(const Vec& available, const Mat& allocation,
                                               const Mat& request);

}  // namespace corral::waits
