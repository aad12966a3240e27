// SPDX-License-Identifier: Apache-2.0
// corralctl: inspect processes and talk to corrald.
#include <cstdio>
#include <exception>
#include <string_view>

#include "commands.hpp"
#include "exit_codes.hpp"

namespace {
// The command of the line: its first word that is neither an option nor the value
// of --socket (the one global option with a separate value); null when none.
const char* command_name(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--socket") {
      ++i;
    } else if (arg.empty() || arg[0] != '-') {
      return argv[i];
    } else if (arg == "--") {
      return nullptr;
    }
  }
  return nullptr;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace corral::ctl;
  CLI::App app{"corralctl - inspect processes and control the corral supervisor"};
  app.set_version_flag("--version", "corralctl " CORRAL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options (--json, --socket) may follow the command
  Context ctx;
  app.add_option("--socket", ctx.socket_path, "control socket of corrald");
  app.add_flag("--json", ctx.json, "print one JSON document instead of a table");

  // Building a CLI11 subcommand costs (options, names, validators: about half of the
  // instructions of `corralctl --version`), so the groups are added in order until
  // the one holding the command named on the line is there. `ps`, the first, then
  // starts without building the other nine groups (issue 13). Help, --version and
  // a line without a known command still get every group.
  using Register = void (*)(CLI::App&, Context&);
  static constexpr Register kGroups[] = {
      register_inspect_commands, register_waits_commands,    register_sched_commands,  register_service_commands,
      register_fair_commands,    register_schedule_commands, register_syscalls_commands, register_metrics_commands,
      register_daemon_commands,  register_jobs_commands,
  };
  const char* command = command_name(argc, argv);
  for (Register add : kGroups) {
    add(app, ctx);
    if (command != nullptr && !app.get_subcommands([&](const CLI::App* sub) { return sub->check_name(command); }).empty())
      break;
  }

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
