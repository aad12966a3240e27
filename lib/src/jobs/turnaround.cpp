// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/turnaround.hpp"

namespace corral::jobs {

TurnaroundMeans mean_turnaround(const std::vector<Turnaround>& jobs) {
  TurnaroundMeans m;
  m.count = jobs.size();
  if (jobs.empty()) return m;
  double tr = 0, norm = 0;
  std::size_t served = 0;
  for (const auto& j : jobs) {
    tr += static_cast<double>(j.turnaround());
    if (j.service > 0) {
      norm += j.normalized();
      ++served;
    }
  }
  m.turnaround = tr / static_cast<double>(jobs.size());
  m.normalized = served ? norm / static_cast<double>(served) : 0;
  return m;
}

}  // namespace corral::jobs
