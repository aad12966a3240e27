// SPDX-License-Identifier: Apache-2.0
// One message of the fd holder's protocol: a short text and file descriptors
// (SCM_RIGHTS), over a SOCK_SEQPACKET Unix socket so that message boundaries
// hold.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon::fdholder {

// The longest text. A message carries at most kMaxFds descriptors: the kernel
// refuses more than SCM_MAX_FD (253) in one.
inline constexpr std::size_t kMaxMessage = 16384;
inline constexpr std::size_t kMaxFds = 250;

struct Message {
  std::string text;            // "STORE name", "DROP name", "TAKE", "FD name", "FDS names", "END", "QUIT"
  std::vector<UniqueFd> fds;   // in the order they were sent; empty when none came
  bool fds_truncated = false;  // the kernel dropped some (MSG_CTRUNC)
};

Status send_message(int sock, const std::string& text, std::span<const int> fds = {});
inline Status send_message(int sock, const std::string& text, int fd) { return send_message(sock, text, {&fd, 1}); }
// EOF is an error with code 0 ("connection closed").
Result<Message> recv_message(int sock);

}  // namespace corral::daemon::fdholder
