// SPDX-License-Identifier: Apache-2.0
// corrald's own log: one line per event on stderr ("corrald: web: exec ...").
// Under systemd stderr goes to the journal; in the foreground it is the terminal.
#pragma once

namespace corral::daemon {
void log_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// While one lives, log lines are gathered and written together when it ends (or
// every 64 KiB): a re-adoption logs a line per service, and a write per line was
// a thousand system calls on the way to answering clients again. Event-loop
// thread only; an inner one changes nothing.
class LogBatch {
 public:
  LogBatch();
  ~LogBatch();
  LogBatch(const LogBatch&) = delete;
  LogBatch& operator=(const LogBatch&) = delete;
};
}  // namespace corral::daemon
