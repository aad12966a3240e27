// SPDX-License-Identifier: Apache-2.0
// The simulator is a discrete-event loop around AdmissionQueue: at each instant it
// retires the jobs whose service is complete, admits the arrivals, and carries out
// the queue's decisions; then it jumps to the next completion, arrival or quantum end.
#include "corral/jobs/simulator.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include "corral/jobs/admission_queue.hpp"

namespace corral::jobs {

Result<SimResult> simulate(const std::vector<SimJob>& jobs, const Policy& policy, int slots, std::size_t max_slices) {
  if (jobs.empty()) return Error::logic("no jobs to schedule");
  std::set<std::string> names;
  for (const auto& j : jobs) {
    if (j.name.empty()) return Error::logic("a job has an empty name");
    if (!names.insert(j.name).second) return Error::logic("job name \"" + j.name + "\" is used twice");
    if (j.service <= 0) return Error::logic("job " + j.name + ": service must be greater than zero");
    if (j.arrival < 0) return Error::logic("job " + j.name + ": arrival must not be negative");
  }
  if (policy.uses_quantum() && policy.quantum <= 0) return Error::logic("quantum must be greater than zero");

  SimResult r;
  r.policy = policy;
  r.jobs = jobs;
  r.turnaround.resize(jobs.size());
  r.first_start.assign(jobs.size(), -1);

  // Arrival order; equal arrivals keep the order they were given in.
  std::vector<std::size_t> by_arrival(jobs.size());
  std::iota(by_arrival.begin(), by_arrival.end(), 0);
  std::stable_sort(by_arrival.begin(), by_arrival.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].arrival < jobs[b].arrival; });

  AdmissionQueue queue(policy, slots);
  std::vector<Tick> open_since(jobs.size(), -1);  // start of the job's current Gantt slice
  std::size_t next_arrival = 0, done = 0;
  Tick now = jobs[by_arrival[0]].arrival;

  auto close_slice = [&](std::size_t job) {
    if (open_since[job] < now) {
      if (!r.gantt.empty() && r.gantt.back().job == job && r.gantt.back().end == open_since[job])
        r.gantt.back().end = now;
      else
        r.gantt.push_back({job, open_since[job], now});
    }
    open_since[job] = -1;
  };

  while (done < jobs.size()) {
    // 1. Completions at `now`.
    std::vector<std::size_t> finished;
    for (const auto& q : queue.running_jobs())
      if (queue.used(q, now) >= jobs[q.id].service) finished.push_back(q.id);
    std::sort(finished.begin(), finished.end(), [&](std::size_t a, std::size_t b) { return open_since[a] < open_since[b]; });
    for (std::size_t id : finished) {
      close_slice(id);
      queue.remove(id);
      r.turnaround[id] = {jobs[id].arrival, jobs[id].service, now};
      ++done;
    }
    // 2. Arrivals at `now`, before anyone preempted at `now` re-enters the queue.
    while (next_arrival < by_arrival.size() && jobs[by_arrival[next_arrival]].arrival <= now) {
      std::size_t id = by_arrival[next_arrival++];
      auto ok = queue.arrive(id, now, jobs[id].service);
      if (!ok) return ok.error();
    }
    // 3. The policy's decisions.
    for (const auto& d : queue.decide(now)) {
      if (d.kind == Decision::Kind::Preempt) {
        close_slice(d.id);
      } else {
        open_since[d.id] = now;
        if (r.first_start[d.id] < 0) r.first_start[d.id] = now;
      }
    }
    if (r.gantt.size() > max_slices)
      return Error::logic("the schedule needs more than " + std::to_string(max_slices) +
                          " slices; use a larger quantum or shorter jobs");
    if (done == jobs.size()) break;
    // 4. The next event.
    Tick next = queue.next_expiry();
    if (next_arrival < by_arrival.size()) next = std::min(next, jobs[by_arrival[next_arrival]].arrival);
    for (const auto& q : queue.running_jobs()) next = std::min(next, now + (jobs[q.id].service - queue.used(q, now)));
    if (next == kForever || next <= now) return Error::logic("internal: the simulation cannot advance");
    now = next;
  }
  r.means = mean_turnaround(r.turnaround);
  return r;
}

}  // namespace corral::jobs
