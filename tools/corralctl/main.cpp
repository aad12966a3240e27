// SPDX-License-Identifier: Apache-2.0
// corralctl: inspect processes and talk to corrald.
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "exit_codes.hpp"

int main(int argc, char** argv) {
  using namespace corral::ctl;
  CLI::App app{"corralctl - inspect processes and control the corral supervisor"};
  app.set_version_flag("--version", "corralctl " CORRAL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options (--json, --socket) may follow the command
  Context ctx;
  app.add_option("--socket", ctx.socket_path, "control socket of corrald");
  app.add_flag("--json", ctx.json, "print one JSON document instead of a table");

  register_inspect_commands(app, ctx);
  register_waits_commands(app, ctx);
  register_sched_commands(app, ctx);
  register_service_commands(app, ctx);
  register_fair_commands(app, ctx);
  register_schedule_commands(app, ctx);
  register_syscalls_commands(app, ctx);
  register_metrics_commands(app, ctx);
  register_daemon_commands(app, ctx);
  register_jobs_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corralctl: %s\n", e.what());
    return kExitFailed;
  }
  return ctx.exit_code;
}
