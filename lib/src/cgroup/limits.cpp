// SPDX-License-Identifier: Apache-2.0
#include "corral/cgroup/limits.hpp"

#include <algorithm>
#include <cmath>

#include "corral/base/cpu_list.hpp"

namespace corral::cgroup {

CpuMax cpu_max_from_cpus(double cpus, std::uint64_t period_us) {
  CpuMax m;
  m.period_us = period_us;
  m.quota_us = std::max<std::uint64_t>(1000, static_cast<std::uint64_t>(std::llround(cpus * double(period_us))));
  return m;
}

Status apply_limits(Cgroups& cg, const std::string& path, const Limits& l) {
  if (auto st = cg.set_weight(path, l.weight); !st) return st;
  std::optional<CpuMax> max;
  if (l.cpu_max) max = cpu_max_from_cpus(*l.cpu_max);
  if (auto st = cg.set_cpu_max(path, max); !st) return st;
  if (auto st = cg.set_memory_max(path, l.memory_max); !st) return st;
  if (auto st = cg.set_pids_max(path, l.pids_max); !st) return st;
  if (!l.cpus.empty())
    if (auto st = cg.set_cpus(path, format_cpu_list(l.cpus)); !st) return st;
  return {};
}

}  // namespace corral::cgroup
