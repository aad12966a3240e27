// SPDX-License-Identifier: Apache-2.0
#include "command_line.hpp"

#include <CLI/CLI.hpp>

namespace corral::daemon {

namespace {
constexpr int kExitUsage = 2;  // as corralctl: a bad command line
}

ParsedCommandLine parse_command_line(int argc, char** argv) {
  CommandLine cl;
  CLI::App app{"corrald - the corral process supervisor. Runs in the foreground and logs to stderr."};
  app.set_version_flag("--version", "corrald " CORRAL_VERSION);
  app.add_option("-c,--config", cl.config, "the TOML config (conf.d/*.toml next to it is read too)")
      ->capture_default_str()
      ->type_name("FILE");
  app.add_option("--socket", cl.socket,
                 "control socket (default: [daemon] socket, else /run/corral/corral.sock as root,\n"
                 "$XDG_RUNTIME_DIR/corral/corral.sock otherwise)")
      ->type_name("PATH");
  app.add_option("--log-dir", cl.log_dir, "where NAME.log files go (default: [daemon] log_dir)")->type_name("DIR");
  app.add_option("--state-dir", cl.state_dir, "state directory (default: [daemon] state_dir)")->type_name("DIR");
  app.add_option("--client-timeout", cl.client_timeout_s, "drop control clients idle this long")
      ->capture_default_str()
      ->check(CLI::Range(1, 365 * 24 * 3600))
      ->type_name("SECS");
  app.add_option("--cgroup-name", cl.cgroup_name,
                 "the cgroup subtree for fair share (default: [daemon] cgroup_name, \"corral\")")
      ->type_name("NAME");
  app.add_option("--socket-group", cl.socket_group,
                 "make the control socket root:GROUP 0660, so that only root and GROUP may use it\n"
                 "(default: [daemon] socket_group, else 0666: anyone may read)")
      ->type_name("GROUP");
  // Not for people: the previous corrald passes its hand-over this way on daemon-reexec.
  app.add_option("--handover", cl.handover_fd, "")->group("")->check(CLI::NonNegativeNumber);
  app.add_flag("-f,--foreground")->description(
      "accepted for compatibility: corrald always stays in the foreground");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);  // prints help/version to stdout, errors to stderr
    return {std::nullopt, rc == 0 ? 0 : kExitUsage};
  }
  return {cl, 0};
}

}  // namespace corral::daemon
