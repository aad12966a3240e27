// What the daemon runs: one ServiceSpec per instance (NAME, or NAME@i when the
// config asks for instances). Built from the config module (config_bridge.cpp)
// or from a `run` request; compared field by field on reload.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corral/supervise/service_machine.hpp"

namespace corral::daemon {

struct ServiceSpec {
  std::string name;                 // instance name: NAME or NAME@i
  std::string config_name;          // NAME in the config
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string cwd;
  std::optional<std::string> user;
  std::optional<std::string> unix_group;
  std::optional<mode_t> umask;
  bool autostart = true;
  int stop_signal = SIGTERM;
  std::vector<std::string> after;
  supervise::Policy policy;
  bool transient = false;           // made by `run`; reload leaves it alone

  bool same_as(const ServiceSpec& o) const;
};

struct DaemonSettings {
  std::string config_path;
  std::string socket_path;
  std::string log_dir;
  std::string state_dir;
  std::uint64_t log_max_bytes = 10 * 1024 * 1024;
  int log_keep = 5;
  int client_timeout_s = 60;        // idle clients are dropped after this
  int max_clients = 1024;
};

}  // namespace corral::daemon
