// The daemon's view of a config file: the config module loads and checks the
// TOML; this turns it into DaemonSettings and one ServiceSpec per instance,
// in start order.
#pragma once

#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "service_spec.hpp"

namespace corral::daemon {

struct LoadedConfig {
  DaemonSettings daemon;             // only the fields the file sets are meaningful
  bool has_socket = false, has_log_dir = false, has_state_dir = false;
  std::vector<ServiceSpec> services; // instances expanded (NAME@0 ...), in start order
};

Result<LoadedConfig> load_daemon_config(const std::string& path);

}  // namespace corral::daemon
