// SPDX-License-Identifier: Apache-2.0
#include "corral/fairshare/fss.hpp"

namespace corral::fairshare {

std::map<int, double> normalise_weights(const std::map<int, double>& raw) {
  double sum = 0;
  for (const auto& [g, w] : raw)
    if (w > 0) sum += w;
  std::map<int, double> out;
  for (const auto& [g, w] : raw)
    out[g] = sum > 0 ? (w > 0 ? w / sum : 0.0) : 1.0 / double(raw.size());
  return out;
}

FssState fss_interval(FssState s, const std::map<pid_t, double>& ticks) {
  // Each tick is charged to both the process and its group...
  for (const auto& [pid, t] : ticks) {
    auto it = s.procs.find(pid);
    if (it == s.procs.end()) continue;
    it->second.cpu += t;
    s.groups[it->second.group].gcpu += t;
  }
  // ...then the interval ends: decay both by half.
  for (auto& [pid, p] : s.procs) p.cpu /= 2;
  for (auto& [g, grp] : s.groups) grp.gcpu /= 2;
  for (auto& [pid, p] : s.procs) {
    const FssGroup& grp = s.groups[p.group];
    // A group of weight 0 would divide by zero; treat it as the smallest possible
    // share so its processes always come last.
    double group_term = grp.weight > 0 ? grp.gcpu / (4 * grp.weight) : 1e12;
    p.priority = p.base + p.cpu / 2 + group_term;
  }
  return s;
}

}  // namespace corral::fairshare
