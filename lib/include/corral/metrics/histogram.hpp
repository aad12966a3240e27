// SPDX-License-Identifier: Apache-2.0
// A cumulative histogram with fixed upper bounds (Prometheus' `le` buckets),
// for request latency. Observing is O(buckets) and allocation-free.
#pragma once

#include <cstdint>
#include <vector>

namespace corral::metrics {

struct HistogramSnapshot {
  std::vector<double> bounds;             // ascending upper bounds, without +Inf
  std::vector<std::uint64_t> cumulative;  // per bound: observations <= bound
  std::uint64_t count = 0;                // all observations (the +Inf bucket)
  double sum = 0;
};

class Histogram {
 public:
  // Bounds must be ascending and finite; a value above the last lands only in +Inf.
  explicit Histogram(std::vector<double> bounds);
  // 100 µs .. 1 s: the latency of a local request, in seconds.
  static Histogram latency_seconds();

  void observe(double v);
  HistogramSnapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace corral::metrics
