// SPDX-License-Identifier: Apache-2.0
// corrald's own log: one line per event on stderr ("corrald: web: exec ...").
// Under systemd stderr goes to the journal; in the foreground it is the terminal.
#pragma once

namespace corral::daemon {
void log_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
}  // namespace corral::daemon
