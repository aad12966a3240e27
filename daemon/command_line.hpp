// SPDX-License-Identifier: Apache-2.0
// corrald's command line (CLI11): the options, their defaults and their help.
#pragma once

#include <optional>
#include <string>

namespace corral::daemon {

struct CommandLine {
  std::string config = "/etc/corral/corral.toml";
  // Empty: the config's [daemon] value (which has the per-user defaults).
  std::string socket;
  std::string log_dir;
  std::string state_dir;
  std::string cgroup_name;
  int client_timeout_s = 60;
  std::string socket_group;  // empty: [daemon] socket_group, else a 0666 socket
  int handover_fd = -1;      // hidden: set by daemon-reexec (daemon/reexec/)
};

// Parses argv. Returns the options, or the exit code when corrald must stop
// here: 0 after --help or --version (printed to stdout), 2 for a bad command
// line (the error and a hint to --help on stderr).
struct ParsedCommandLine {
  std::optional<CommandLine> options;
  int exit_code = 0;
};
ParsedCommandLine parse_command_line(int argc, char** argv);

}  // namespace corral::daemon
