// SPDX-License-Identifier: Apache-2.0
// AdmissionQueue: the long-term scheduler's one decision core. It knows the jobs
// admitted to a queue (New/Ready, waiting for a slot) and the ones holding a slot
// (Running), and, at each event, says which to preempt and which to dispatch under
// the queue's Policy. The simulator and corrald's queue runner both drive it, so the
// laboratory's numbers come from the same code that schedules real processes.
//
// The conventions (the textbook's, so that the worked examples come out right):
//  - ties go to the earlier arrival (then to the earlier admission);
//  - a job arriving at t enters the ready queue before a job preempted at t: call
//    arrive() for t's arrivals before decide(t);
//  - RR and FB: a quantum is service, not wall time: it ends once the job has
//    received one slice of service since it was dispatched (corrald: CPU time, so
//    a thaw or an exec that takes a few milliseconds does not cost the job a whole
//    extra round), or once it has held the slot for kQuantumWallCap slices (a job
//    that sleeps or waits gives way). In the simulator service is wall time, so
//    both read the same;
//  - RR and FB: when a quantum expires and no other job is waiting, the job keeps
//    its slot for a new quantum (FB: without being demoted);
//  - FB: a job enters queue 0; each expiry with another job waiting demotes it one
//    queue (the last queue is round robin); a newcomer does not cut a quantum short;
//  - SRT: a newcomer whose remaining time is shorter than a running job's preempts it;
//    remaining times within the queue's granularity (set_granularity) are a tie, so
//    that a job measured a millisecond short (corrald counts CPU time, which trails
//    the time a job held its slot by its exec and each thaw) does not lose the
//    textbook's tie to the earlier arrival;
//  - HRRN: R = (w + s) / s, with w the time waited so far and s the expected service.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/jobs/policy.hpp"

namespace corral::jobs {

using JobId = std::uint64_t;

// One job as the decision core sees it.
struct QueuedJob {
  JobId id = 0;
  Tick arrival = 0;
  Tick expected = 0;        // expected service time (spn, srt, hrrn); 0 = unknown
  Tick used = 0;            // service received up to `since`
  Tick since = 0;           // running: when `used` was last brought up to date
  Tick quantum_start = 0;   // running: when its current quantum began
  Tick quantum_used = 0;    // running: its service when its current quantum began
  int level = 0;            // fb: its feedback queue
  std::uint64_t order = 0;  // when it last entered the ready queue (FIFO order)
  bool running = false;
};

struct Decision {
  enum class Kind { Preempt, Dispatch };
  Kind kind;
  JobId id;
};

class AdmissionQueue {
 public:
  // A quantum also ends after this many slices of wall time holding the slot.
  static constexpr Tick kQuantumWallCap = 2;

  AdmissionQueue(Policy policy, int slots);

  const Policy& policy() const { return policy_; }
  int slots() const { return slots_; }
  void set_slots(int slots) { slots_ = slots < 1 ? 1 : slots; }
  // Remaining times closer than this compare equal (SRT). Default 0: exact.
  void set_granularity(Tick granularity) { granularity_ = granularity < 0 ? 0 : granularity; }

  // Admits a job at `now`. An id already known is an error.
  Status arrive(JobId id, Tick now, Tick expected);
  // The job left (finished, failed or cancelled), running or not. Unknown ids are ignored.
  void remove(JobId id);
  // The service a running job really received (corrald: CPU time from its cgroup),
  // replacing the time it held a slot. Ignored for jobs not running.
  void set_used(JobId id, Tick used, Tick now);
  // Preemptions first, then dispatches, in the order they must be carried out.
  std::vector<Decision> decide(Tick now);

  // The earliest time a running job's quantum ends (kForever: none will).
  Tick next_expiry() const;
  // The service a job has received by `now` (counting its current slice).
  Tick used(const QueuedJob& job, Tick now) const;
  const QueuedJob* find(JobId id) const;
  std::size_t waiting() const { return ready_.size(); }
  std::size_t running() const { return running_.size(); }
  const std::vector<QueuedJob>& ready_jobs() const { return ready_; }
  const std::vector<QueuedJob>& running_jobs() const { return running_; }

 private:
  Tick remaining(const QueuedJob& job, Tick now) const;
  // Whether `a` goes before `b` in the ready queue at `now`.
  bool before(const QueuedJob& a, const QueuedJob& b, Tick now) const;
  std::size_t best_ready(Tick now) const;
  void preempt(std::size_t running_index, Tick now, bool demote, std::vector<Decision>& out);
  void dispatch(std::size_t ready_index, Tick now, std::vector<Decision>& out);
  void expire_quanta(Tick now, std::vector<Decision>& out);
  void start_quantum(QueuedJob& job, Tick now) const;
  // When the running job's quantum ends if it keeps receiving service from now on.
  Tick quantum_end(const QueuedJob& job, Tick slice) const;
  void preempt_for_shorter(Tick now, std::vector<Decision>& out);

  Policy policy_;
  int slots_;
  Tick granularity_ = 0;
  std::uint64_t next_order_ = 0;
  std::vector<QueuedJob> ready_;
  std::vector<QueuedJob> running_;
};

}  // namespace corral::jobs
