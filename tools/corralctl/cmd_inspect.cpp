// ps, show, tree: the PCB view of real processes (filled in by the inspection work).
#include "commands.hpp"

namespace corral::ctl {
void register_inspect_commands(CLI::App&, Context&) {}
}  // namespace corral::ctl
