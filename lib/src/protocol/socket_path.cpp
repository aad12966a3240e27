// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/socket_path.hpp"

#include <unistd.h>

#include <cstdlib>

namespace corral::protocol {

std::string default_socket_path() {
  if (::geteuid() == 0) return "/run/corral/corral.sock";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && xdg[0] == '/')
    return std::string(xdg) + "/corral/corral.sock";
  return "/tmp/corral-" + std::to_string(::geteuid()) + "/corral.sock";
}

}  // namespace corral::protocol
