// SPDX-License-Identifier: Apache-2.0
// Small shared pieces of the daemon benchmark drivers (bench_daemon_*.cpp):
// a monotonic clock in nanoseconds, percentiles, and the PASS/MISS table lines.
#pragma once

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace corral::bench {

inline std::int64_t mono_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Nearest-rank percentile (p in 0..100) of the samples; 0 when there are none.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > v.size()) rank = v.size();
  return v[rank - 1];
}

inline const char* verdict(bool ok) { return ok ? "PASS" : "MISS"; }

// Load average (1, 5, 15 min) as one string, for the report beside the figures.
inline void print_loadavg(const char* when) {
  char buf[128] = {};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fgets(buf, sizeof buf, f) == nullptr) buf[0] = 0;
    std::fclose(f);
  }
  std::printf("load average %-6s %s", when, buf[0] ? buf : "?\n");
}

}  // namespace corral::bench
