// SPDX-License-Identifier: Apache-2.0
// The daemon's view of a config file: the config module loads and checks the
// TOML; this lists the instances in start order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/config/config.hpp"
#include "corral/config/config_files.hpp"
#include "service_spec.hpp"

namespace corral::daemon {

struct LoadedConfig {
  config::DaemonConfig daemon;
  std::map<std::string, config::GroupConfig> groups;  // always has "default"
  std::vector<ServiceSpec> services;  // instances expanded (NAME@0 ...), in start order
  std::map<std::string, config::QueueConfig> queues;  // job queues (daemon/jobs/); always has "default"
  // The files as they were read; empty when one changed during the load.
  std::optional<config::ConfigStamp> stamp;
};

Result<LoadedConfig> load_daemon_config(const std::string& path);

}  // namespace corral::daemon
