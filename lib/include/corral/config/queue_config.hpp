// SPDX-License-Identifier: Apache-2.0
// A job queue ([queue.NAME] in the config): the long-term scheduler's settings.
// The queue "default" always exists (1 slot, fcfs). man/corral.toml.5 documents the keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "corral/jobs/estimator.hpp"
#include "corral/jobs/policy.hpp"

namespace corral::config {

inline constexpr const char* kDefaultQueue = "default";

struct QueueConfig {
  std::string name;
  unsigned slots = 1;                     // the degree of multiprogramming
  jobs::Policy policy;                    // Ticks are nanoseconds; quantum default 100ms
  std::string group = "default";          // the fair-share group its jobs run in
  std::optional<jobs::EstimatorSpec> estimate;  // nullopt: "given" at submission only
  std::uint64_t max_queued = 10000;       // jobs in New/Ready/Running/Ready-Suspend

  bool operator==(const QueueConfig&) const = default;
};

// The built-in default queue, as used when the file has no [queue.default].
QueueConfig default_queue_config(const std::string& name = kDefaultQueue);

}  // namespace corral::config
