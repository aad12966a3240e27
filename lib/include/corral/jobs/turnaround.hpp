// SPDX-License-Identifier: Apache-2.0
// Turnaround: the textbook's per-job figures. Tr = finish − arrival (waiting plus
// service), and the normalised turnaround Tr/Ts (≥ 1), with their means over a set.
#pragma once

#include <cstddef>
#include <vector>

#include "corral/jobs/policy.hpp"

namespace corral::jobs {

struct Turnaround {
  Tick arrival = 0;
  Tick service = 0;  // Ts: the service the job received
  Tick finish = 0;

  Tick turnaround() const { return finish - arrival; }
  Tick waiting() const { return turnaround() - service; }
  // Tr/Ts; 0 when the job received no service (the ratio is undefined).
  double normalized() const { return service > 0 ? static_cast<double>(turnaround()) / static_cast<double>(service) : 0; }
};

struct TurnaroundMeans {
  std::size_t count = 0;
  double turnaround = 0;  // mean Tr, in Ticks
  double normalized = 0;  // mean Tr/Ts over the jobs that received service
};

TurnaroundMeans mean_turnaround(const std::vector<Turnaround>& jobs);

}  // namespace corral::jobs
