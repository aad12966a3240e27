// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/admission_queue.hpp"

#include <algorithm>
#include <string>

namespace corral::jobs {
namespace {

// HRRN compares (w_a + s_a) / s_a with (w_b + s_b) / s_b by cross-multiplying:
// nanosecond products overflow 64 bits, so the product is 128-bit.
__extension__ using Wide = __int128;

}  // namespace

AdmissionQueue::AdmissionQueue(Policy policy, int slots) : policy_(policy), slots_(slots < 1 ? 1 : slots) {}

Status AdmissionQueue::arrive(JobId id, Tick now, Tick expected) {
  if (find(id)) return Error::logic("job " + std::to_string(id) + " is already queued");
  QueuedJob job;
  job.id = id;
  job.arrival = now;
  job.expected = expected < 0 ? 0 : expected;
  job.order = next_order_++;
  ready_.push_back(job);
  return {};
}

void AdmissionQueue::remove(JobId id) {
  auto gone = [id](const QueuedJob& j) { return j.id == id; };
  std::erase_if(ready_, gone);
  std::erase_if(running_, gone);
}

void AdmissionQueue::set_used(JobId id, Tick used, Tick now) {
  for (auto& j : running_)
    if (j.id == id) {
      j.used = used;
      j.since = now;
    }
}

const QueuedJob* AdmissionQueue::find(JobId id) const {
  for (const auto* list : {&ready_, &running_})
    for (const auto& j : *list)
      if (j.id == id) return &j;
  return nullptr;
}

Tick AdmissionQueue::used(const QueuedJob& job, Tick now) const {
  return job.running ? job.used + (now - job.since) : job.used;
}

Tick AdmissionQueue::remaining(const QueuedJob& job, Tick now) const {
  return std::max<Tick>(0, job.expected - used(job, now));
}

bool AdmissionQueue::before(const QueuedJob& a, const QueuedJob& b, Tick now) const {
  switch (policy_.kind) {
    case PolicyKind::Fcfs:
    case PolicyKind::Rr:
      return a.order < b.order;
    case PolicyKind::Fb:
      if (a.level != b.level) return a.level < b.level;
      return a.order < b.order;
    case PolicyKind::Spn:
      if (a.expected != b.expected) return a.expected < b.expected;
      break;
    case PolicyKind::Srt: {
      Tick ra = remaining(a, now), rb = remaining(b, now);
      if (ra + granularity_ < rb || rb + granularity_ < ra) return ra < rb;
      break;
    }
    case PolicyKind::Hrrn: {
      // w = time waited so far; s at least one tick so that an unknown estimate
      // still gives a finite ratio.
      Wide sa = std::max<Tick>(1, a.expected), sb = std::max<Tick>(1, b.expected);
      Wide wa = now - a.arrival - a.used, wb = now - b.arrival - b.used;
      Wide ra = (wa + sa) * sb, rb = (wb + sb) * sa;
      if (ra != rb) return ra > rb;
      break;
    }
  }
  if (a.arrival != b.arrival) return a.arrival < b.arrival;
  return a.order < b.order;
}

std::size_t AdmissionQueue::best_ready(Tick now) const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < ready_.size(); ++i)
    if (before(ready_[i], ready_[best], now)) best = i;
  return best;
}

void AdmissionQueue::preempt(std::size_t running_index, Tick now, bool demote, std::vector<Decision>& out) {
  QueuedJob job = running_[running_index];
  running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(running_index));
  job.used = used(job, now);
  job.since = now;
  job.running = false;
  if (demote && job.level < kFeedbackQueues - 1) ++job.level;
  job.order = next_order_++;  // after every arrival admitted so far, at now included
  ready_.push_back(job);
  out.push_back({Decision::Kind::Preempt, job.id});
}

void AdmissionQueue::dispatch(std::size_t ready_index, Tick now, std::vector<Decision>& out) {
  QueuedJob job = ready_[ready_index];
  ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(ready_index));
  job.running = true;
  job.since = now;
  start_quantum(job, now);
  running_.push_back(job);
  out.push_back({Decision::Kind::Dispatch, job.id});
}

void AdmissionQueue::start_quantum(QueuedJob& job, Tick now) const {
  job.quantum_start = now;
  job.quantum_used = used(job, now);
}

Tick AdmissionQueue::quantum_end(const QueuedJob& job, Tick slice) const {
  // Saturating: an FB slice of 2^i units can be near kForever.
  auto plus = [](Tick a, Tick b) { return b > kForever - a ? kForever : a + b; };
  Tick owed = std::max<Tick>(0, plus(job.quantum_used, slice) - job.used);
  Tick by_service = plus(job.since, owed);
  Tick by_wall = slice > kForever / kQuantumWallCap ? kForever : plus(job.quantum_start, kQuantumWallCap * slice);
  return std::min(by_service, by_wall);
}

void AdmissionQueue::expire_quanta(Tick now, std::vector<Decision>& out) {
  if (!policy_.uses_quantum()) return;
  // Only jobs that were waiting before this step can take an expired job's slot.
  std::size_t waiting_before = ready_.size();
  std::size_t preempted = 0;
  // Oldest quanta first, so that with several slots the longest-running yields first.
  std::vector<JobId> expired;
  std::vector<QueuedJob> by_start = running_;
  std::stable_sort(by_start.begin(), by_start.end(),
                   [](const QueuedJob& a, const QueuedJob& b) { return a.quantum_start < b.quantum_start; });
  for (const auto& j : by_start) {
    Tick slice = policy_.slice(j.level);
    if (slice != kForever && now >= quantum_end(j, slice)) expired.push_back(j.id);
  }
  for (JobId id : expired) {
    auto it = std::find_if(running_.begin(), running_.end(), [id](const QueuedJob& j) { return j.id == id; });
    if (preempted < waiting_before) {
      preempt(static_cast<std::size_t>(it - running_.begin()), now, policy_.kind == PolicyKind::Fb, out);
      ++preempted;
    } else {
      start_quantum(*it, now);  // alone: a new quantum, same queue
    }
  }
}

void AdmissionQueue::preempt_for_shorter(Tick now, std::vector<Decision>& out) {
  if (policy_.kind != PolicyKind::Srt) return;
  // Each swap puts a strictly shorter job in place of a longer one, so this ends;
  // the bound is a second guard.
  for (std::size_t guard = 0; guard <= running_.size() + ready_.size() && !ready_.empty() && !running_.empty();
       ++guard) {
    std::size_t b = best_ready(now);
    std::size_t w = 0;  // the running job with the longest remaining time (ties: later arrival)
    for (std::size_t i = 1; i < running_.size(); ++i)
      if (before(running_[w], running_[i], now)) w = i;
    if (remaining(ready_[b], now) + granularity_ >= remaining(running_[w], now)) return;
    JobId newcomer = ready_[b].id;
    preempt(w, now, false, out);
    auto it = std::find_if(ready_.begin(), ready_.end(), [newcomer](const QueuedJob& j) { return j.id == newcomer; });
    dispatch(static_cast<std::size_t>(it - ready_.begin()), now, out);
  }
}

std::vector<Decision> AdmissionQueue::decide(Tick now) {
  std::vector<Decision> out;
  expire_quanta(now, out);
  preempt_for_shorter(now, out);
  while (static_cast<int>(running_.size()) < slots_ && !ready_.empty()) dispatch(best_ready(now), now, out);
  // A job preempted and dispatched again in the same step never stopped: drop the pair.
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].kind != Decision::Kind::Preempt) continue;
    for (std::size_t k = i + 1; k < out.size(); ++k)
      if (out[k].kind == Decision::Kind::Dispatch && out[k].id == out[i].id) {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(k));
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
        --i;
        break;
      }
  }
  return out;
}

Tick AdmissionQueue::next_expiry() const {
  Tick next = kForever;
  for (const auto& j : running_) {
    Tick slice = policy_.slice(j.level);
    if (slice != kForever) next = std::min(next, quantum_end(j, slice));
  }
  return next;
}

}  // namespace corral::jobs
