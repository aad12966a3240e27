// SPDX-License-Identifier: Apache-2.0
// The cgroup layer's common interface. corrald talks to `Cgroups` and does not care
// whether the machine runs cgroup v2 (CgroupV2) or v1/hybrid (CgroupV1).
//
// Every path given to a Cgroups is relative to the backend's base directory (the
// `corral` subtree or the daemon's delegated cgroup), e.g. "web/nginx" for the
// service nginx in group web. Nested paths are created parent-first.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/kept_files.hpp"
#include "corral/base/result.hpp"

namespace corral::cgroup {

enum class Mode { V2, V1, Hybrid };  // Hybrid: v1 controllers plus a controller-less cgroup2
std::string_view to_string(Mode m);

// A CPU bandwidth limit: quota_us of CPU time per period_us of wall time.
struct CpuMax {
  std::uint64_t quota_us = 0;
  std::uint64_t period_us = 100000;
};
// Parses "150%" (1.5 CPUs over a 100 ms period), "max" (no limit -> nullopt) or
// "QUOTA PERIOD" in microseconds as v2 writes it.
Result<std::optional<CpuMax>> parse_cpu_max(std::string_view text);

// One line of a PSI file: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0".
struct PsiLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;
  std::uint64_t total_us = 0;
};
struct Psi {
  PsiLine some;
  std::optional<PsiLine> full;  // cpu.pressure has "full" only on newer kernels
};
Result<Psi> parse_psi(std::string_view text);

struct Usage {
  std::uint64_t cpu_ns = 0;
  std::optional<std::uint64_t> memory_current;  // bytes
  std::optional<std::uint64_t> memory_peak;     // bytes (v2 memory.peak, v1 max_usage_in_bytes)
  std::optional<std::uint64_t> pids_current;
  std::optional<Psi> cpu_pressure, memory_pressure, io_pressure;  // where the kernel has PSI
};

// v1 cpu.shares for a corral weight (v2 cpu.weight scale, default 100):
// weight * 1024 / 100, clamped to the kernel's 2..262144.
std::uint64_t weight_to_shares(unsigned weight);

class Cgroups {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Cgroups() = default;

  virtual Mode mode() const = 0;
  // A directory that identifies the group, for messages and `corralctl show`.
  virtual std::string describe(const std::string& path) const = 0;

  virtual bool exists(const std::string& path) const = 0;
  virtual Status create(const std::string& path) = 0;   // parents too; existing is fine
  // Removes the group and any (empty) child groups below it, deepest first.
  virtual Status remove(const std::string& path) = 0;
  virtual Status attach(const std::string& path, pid_t pid) = 0;
  virtual Result<std::vector<pid_t>> procs(const std::string& path) const = 0;

  virtual Status set_weight(const std::string& path, unsigned weight) = 0;  // 1..10000
  virtual Status set_cpu_max(const std::string& path, std::optional<CpuMax> max) = 0;
  virtual Status set_memory_max(const std::string& path, std::optional<std::uint64_t> bytes) = 0;
  virtual Status set_pids_max(const std::string& path, std::optional<std::uint64_t> n) = 0;
  virtual Status set_cpus(const std::string& path, const std::string& cpu_list) = 0;

  // Freeze/thaw wait until the kernel reports the new state, up to `timeout`. A
  // timeout of 0 only asks: the job queue's preemption must not hold the event
  // loop while a v1 group passes through FREEZING.
  virtual Status freeze(const std::string& path, std::chrono::milliseconds timeout) = 0;
  virtual Status thaw(const std::string& path, std::chrono::milliseconds timeout) = 0;
  virtual Result<bool> frozen(const std::string& path) const = 0;

  // Kills every member and waits until the group is empty, up to `timeout`.
  virtual Status kill(const std::string& path, std::chrono::milliseconds timeout) = 0;

  virtual Result<Usage> usage(const std::string& path) const = 0;
  // Only cpu_ns and memory_current: what a metrics scrape reads for each of
  // 1,000 services, without the pids, peak and PSI files (and, on v1, without
  // looking for PSI in every hierarchy). With `kept`, the files stay open for
  // the next scrape.
  virtual Result<Usage> cpu_and_memory(const std::string& path, KeptFiles* kept) const = 0;
  Result<Usage> cpu_and_memory(const std::string& path) const { return cpu_and_memory(path, nullptr); }
};

}  // namespace corral::cgroup
