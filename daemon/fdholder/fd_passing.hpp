// SPDX-License-Identifier: Apache-2.0
// One message of the fd holder's protocol: a short text and at most one file
// descriptor (SCM_RIGHTS), over a SOCK_SEQPACKET Unix socket so that message
// boundaries hold.
#pragma once

#include <string>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon::fdholder {

inline constexpr std::size_t kMaxMessage = 512;

struct Message {
  std::string text;  // "STORE name", "DROP name", "TAKE", "FD name", "END", "QUIT"
  UniqueFd fd;       // invalid when none came with it
};

Status send_message(int sock, const std::string& text, int fd = -1);
// EOF is an error with code 0 ("connection closed").
Result<Message> recv_message(int sock);

}  // namespace corral::daemon::fdholder
