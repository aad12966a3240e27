// SPDX-License-Identifier: Apache-2.0
// corrald's own request counters: how many requests of each kind (control
// commands and /metrics scrapes) and how long each took to handle.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "corral/metrics/histogram.hpp"

namespace corral::daemon {

class RequestStats {
 public:
  void observe(std::string_view request, double seconds) {
    ++count_[std::string(request)];
    latency_.observe(seconds);
  }
  const std::map<std::string, std::uint64_t>& counts() const { return count_; }
  const metrics::Histogram& latency() const { return latency_; }

 private:
  std::map<std::string, std::uint64_t> count_;  // by request name: "status", "scrape", ...
  metrics::Histogram latency_ = metrics::Histogram::latency_seconds();
};

}  // namespace corral::daemon
