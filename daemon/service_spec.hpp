// SPDX-License-Identifier: Apache-2.0
// What the daemon runs: one ServiceSpec per instance (NAME, or NAME@i when the
// config asks for instances). It is the config module's ServiceConfig (from the
// file, or made up for a `run` request) plus what only the daemon knows.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "corral/config/config.hpp"
#include "corral/supervise/service_machine.hpp"

namespace corral::daemon {

struct ServiceSpec {
  config::ServiceConfig cfg;
  bool transient = false;  // made by `run`; reload leaves it alone

  const std::string& name() const { return cfg.name; }
  supervise::Policy policy() const;
  bool same_as(const ServiceSpec& o) const { return cfg == o.cfg && transient == o.transient; }
};

struct DaemonSettings {
  std::string config_path;
  std::string socket_path;
  std::string log_dir;
  std::string state_dir;
  int client_timeout_s = 60;  // idle clients are dropped after this
  int max_clients = 1024;
  std::optional<gid_t> socket_gid;  // [daemon] socket_group / --socket-group: root:GROUP 0660
  // For daemon-reexec: the binary's path as it was at start (exec'd by path, so
  // an upgraded file is the one that runs) and the command line to run it with.
  std::string binary;
  std::vector<std::string> argv;
};

}  // namespace corral::daemon
