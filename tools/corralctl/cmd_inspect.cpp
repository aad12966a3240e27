// SPDX-License-Identifier: Apache-2.0
// ps, show, tree: the PCB view of real processes (one file per command).
#include "commands.hpp"
#include "inspect.hpp"

namespace corral::ctl {
void register_inspect_commands(CLI::App& app, Context& ctx) {
  register_ps_command(app, ctx);
  register_show_command(app, ctx);
  register_tree_command(app, ctx);
}
}  // namespace corral::ctl
