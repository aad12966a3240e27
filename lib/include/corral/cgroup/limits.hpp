// SPDX-License-Identifier: Apache-2.0
// A group's (or service's) resource settings in one struct, applied in one call.
// corrald fills it from the config's [group.NAME] table (weight, cpu_max,
// memory_max, pids_max, cpus).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "corral/cgroup/cgroup.hpp"

namespace corral::cgroup {

struct Limits {
  unsigned weight = 100;                    // cpu.weight scale 1..10000
  std::optional<double> cpu_max;            // in CPUs (1.5 = "150%"); nullopt = no limit
  std::optional<std::uint64_t> memory_max;  // bytes
  std::optional<std::uint64_t> pids_max;
  std::vector<int> cpus;                    // empty = leave the inherited set
};

// 1.5 CPUs -> {150000, 100000}. At least the kernel's 1 ms quota.
CpuMax cpu_max_from_cpus(double cpus, std::uint64_t period_us = 100000);

// Writes every knob of `limits` to the group at `path` (which must exist). Stops at
// the first failure; the error names the knob's file.
Status apply_limits(Cgroups& cgroups, const std::string& path, const Limits& limits);

}  // namespace corral::cgroup
