// SPDX-License-Identifier: Apache-2.0
// The re-exec hand-over: what a running corrald gives the binary it execs in
// its own place (`corralctl daemon-reexec`, SIGUSR2), so that the new one goes
// on where the old one stopped. The services stay children of the same pid;
// this says which inherited descriptor is which (their numbers survive the
// exec) and carries the state (the state-file format) and the control clients'
// unread and unsent bytes.
//
// It travels in a memfd whose number is given to the new corrald by a hidden
// command-line option (--handover FD): a memfd leaves nothing on disk to go
// stale, and an option, unlike an environment variable, is not inherited by
// the services the new corrald launches. A pure encode/decode (JSON with a
// "format" field); a hand-over the new binary cannot decode makes it take the
// crash path (re-adoption from the state file) instead.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/persist/state.hpp"

namespace corral::persist {

inline constexpr int kHandoverFormat = 1;

// A service's live descriptors (-1: none).
struct HandoverService {
  std::string name;
  int pidfd = -1;
  int log_read = -1;
  int log_write = -1;
  int seccomp_listener = -1;     // syscall_filter_mode = "learn"
  bool adopted = false;          // not corrald's child (taken back after a crash): exit status unknown
  std::int64_t uptime_ms = -1;   // how long its process has been running (-1: not running)
  bool operator==(const HandoverService&) const = default;
};

// A control-socket client. Its buffers are kept byte for byte (hex in the JSON).
struct HandoverClient {
  int fd = -1;
  std::string in;                // received, not yet handled
  std::string out;               // a reply not yet sent
  bool requester = false;        // asked for the re-exec: the new corrald answers it
  std::string pending;           // a deferred reply it waits for ("stop", "restart", "start"), "" none
  std::vector<std::string> pending_names;
  bool no_block = false;
  std::string follows;           // `logs -f` of this service, "" none
  bool operator==(const HandoverClient&) const = default;
};

struct Handover {
  int format = kHandoverFormat;
  int generation = 0;            // re-execs so far, this one included
  std::int64_t exec_wall_ms = 0; // when the old corrald called execve (Unix ms)
  std::string binary;            // what was exec'd
  int listen_fd = -1;            // the listening control socket
  std::vector<HandoverService> services;
  std::vector<HandoverClient> clients;
  std::map<std::string, std::vector<std::string>> run_commands;  // `run` services: their argv
  DaemonState state;
  bool operator==(const Handover&) const = default;
};

std::string encode_handover(const Handover& h);
// Errors name the field ("clients[1].fd: expected an integer").
Result<Handover> decode_handover(std::string_view text);
// Every descriptor number it names, for clearing and setting FD_CLOEXEC.
std::vector<int> handover_fds(const Handover& h);

}  // namespace corral::persist
