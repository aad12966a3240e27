// SPDX-License-Identifier: Apache-2.0
// Banker's algorithm and multi-instance detection, over plain vectors.
#include "corral/waits/banker.hpp"

#include <algorithm>

namespace corral::waits {
namespace {

bool fits(const Vec& need, const Vec& have) {
  for (std::size_t r = 0; r < need.size(); ++r)
    if (need[r] > have[r]) return false;
  return true;
}

void add(Vec& into, const Vec& v) {
  for (std::size_t r = 0; r < into.size(); ++r) into[r] += v[r];
}

bool well_formed(const BankerState& s) {
  if (s.claim.size() != s.alloc.size()) return false;
  for (std::size_t p = 0; p < s.alloc.size(); ++p)
    if (s.alloc[p].size() != s.total.size() || s.claim[p].size() != s.total.size()) return false;
  return true;
}

}  // namespace

Vec BankerState::available() const {
  Vec avail = total;
  for (const auto& row : alloc)
    for (std::size_t r = 0; r < avail.size() && r < row.size(); ++r) avail[r] -= row[r];
  return avail;
}

std::optional<std::vector<std::size_t>> banker_safe_sequence(const BankerState& s) {
  if (!well_formed(s)) return std::nullopt;
  Vec work = s.available();
  for (auto w : work)
    if (w < 0) return std::nullopt;  // over-allocated: not a state the banker can reach
  const std::size_t n = s.processes();
  std::vector<bool> done(n, false);
  std::vector<std::size_t> order;
  order.reserve(n);
  Vec need(s.resources());
  while (order.size() < n) {
    bool progressed = false;
    for (std::size_t p = 0; p < n; ++p) {
      if (done[p]) continue;
      for (std::size_t r = 0; r < need.size(); ++r) need[r] = s.claim[p][r] - s.alloc[p][r];
      if (!fits(need, work)) continue;
      add(work, s.alloc[p]);  // p runs to completion and returns everything
      done[p] = true;
      order.push_back(p);
      progressed = true;
      break;  // rescan from P1, as the textbook does
    }
    if (!progressed) return std::nullopt;
  }
  return order;
}

BankerDecision banker_request(BankerState& s, std::size_t p, const Vec& request) {
  if (!well_formed(s) || p >= s.processes() || request.size() != s.resources())
    return BankerDecision::kInvalid;
  for (std::size_t r = 0; r < request.size(); ++r)
    if (request[r] < 0 || s.alloc[p][r] + request[r] > s.claim[p][r]) return BankerDecision::kInvalid;
  if (!fits(request, s.available())) return BankerDecision::kMustWait;
  add(s.alloc[p], request);  // tentatively grant ...
  if (banker_safe_sequence(s)) return BankerDecision::kGranted;
  for (std::size_t r = 0; r < request.size(); ++r) s.alloc[p][r] -= request[r];  // ... or undo
  return BankerDecision::kMustWait;
}

void banker_release(BankerState& s, std::size_t p, const Vec& amount) {
  if (p >= s.processes()) return;
  for (std::size_t r = 0; r < amount.size() && r < s.alloc[p].size(); ++r)
    s.alloc[p][r] -= std::min(std::max<std::int64_t>(amount[r], 0), s.alloc[p][r]);
}

std::vector<std::size_t> detect_multi_instance(const Vec& available, const Mat& allocation,
                                               const Mat& request) {
  const std::size_t n = allocation.size();
  Vec work = available;
  std::vector<bool> marked(n, false);
  // A process holding nothing cannot be part of a deadlock: mark it first.
  for (std::size_t p = 0; p < n; ++p)
    marked[p] = std::all_of(allocation[p].begin(), allocation[p].end(),
                            [](std::int64_t a) { return a == 0; });
  bool progressed = true;
  while (progressed) {
    progressed = false;
    for (std::size_t p = 0; p < n; ++p) {
      if (marked[p] || p >= request.size() || !fits(request[p], work)) continue;
      add(work, allocation[p]);
      marked[p] = true;
      progressed = true;
    }
  }
  std::vector<std::size_t> deadlocked;
  for (std::size_t p = 0; p < n; ++p)
    if (!marked[p]) deadlocked.push_back(p);
  return deadlocked;
}

}  // namespace corral::waits
