// SPDX-License-Identifier: Apache-2.0
// The fd holder (s6-fdholder / systemd fdstore style): a small process that
// keeps file descriptors alive while corrald is not there, so that a service's
// log pipe keeps a reader (no EPIPE, no SIGPIPE) and buffers what it writes
// until the next corrald takes the read end back.
//
// It is forked by corrald (no exec: it needs nothing but its socket), leads
// its own session, and listens on a SOCK_SEQPACKET socket in the state folder.
// Protocol, one message each (fd_passing.hpp):
//   STORE NAME  + fd   keep fd under NAME (replacing an older one)
//   DROP NAME          close what is kept under NAME
//   TAKE               reply "FDS NAME\nNAME..." + their fds, up to 250 a message,
//                      then "END" (it keeps them). An older holder, still running
//                      after an upgrade, replies "FD NAME" + fd for each; corrald
//                      reads both.
//   QUIT               exit (corrald's clean shutdown)
// It also exits when its socket file is gone (its state folder was removed).
#pragma once

#include <sys/types.h>

#include <string>

#include "corral/base/result.hpp"

namespace corral::daemon::fdholder {

// Binds the socket at path, forks the holder, returns its pid. The caller
// (corrald) reaps it when it ends, like any child.
Result<pid_t> spawn_holder(const std::string& socket_path);

}  // namespace corral::daemon::fdholder
