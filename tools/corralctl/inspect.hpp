// SPDX-License-Identifier: Apache-2.0
// The inspection commands (ps, show, tree): PCB views of real processes, read
// straight from /proc, no daemon needed. register_inspect_commands calls these.
#pragma once

#include "commands.hpp"

namespace corral::ctl {
void register_ps_command(CLI::App& app, Context& ctx);
void register_show_command(CLI::App& app, Context& ctx);
void register_tree_command(CLI::App& app, Context& ctx);
}  // namespace corral::ctl
