// SPDX-License-Identifier: Apache-2.0
// The scheduling laboratory: runs a set of jobs through AdmissionQueue "on paper",
// with exact service times, and returns the Gantt chart and each job's Turnaround.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/jobs/policy.hpp"
#include "corral/jobs/turnaround.hpp"

namespace corral::jobs {

// One Tick per thousandth of a time unit: "0.5" and "2.25" are exact.
inline constexpr Tick kSimUnit = 1000;

struct SimJob {
  std::string name;
  Tick arrival = 0;
  Tick service = 0;
};

// "A:0:3,B:2:6" (name:arrival:service, in time units). Errors name the job's
// position and field: `job 2 "B:x:6": arrival: ...`.
Result<std::vector<SimJob>> parse_job_set(std::string_view text, Tick unit = kSimUnit);

// One stretch of the Gantt chart: job `job` (an index into the job set) held the
// processor (or slot) from `start` to `end`.
struct GanttSlice {
  std::size_t job = 0;
  Tick start = 0;
  Tick end = 0;
};

struct SimResult {
  Policy policy;
  std::vector<SimJob> jobs;           // as given
  std::vector<Turnaround> turnaround;  // per job, same order
  std::vector<Tick> first_start;       // per job: when it first ran (response time)
  std::vector<GanttSlice> gantt;       // in time order; adjacent slices of a job merged
  TurnaroundMeans means;
};

// The whole run. Errors: no jobs, duplicate or empty names, zero service, or a run
// that would need more than `max_slices` stretches (a tiny quantum on long jobs).
Result<SimResult> simulate(const std::vector<SimJob>& jobs, const Policy& policy, int slots = 1,
                           std::size_t max_slices = 1'000'000);

}  // namespace corral::jobs
