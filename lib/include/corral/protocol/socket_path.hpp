// SPDX-License-Identifier: Apache-2.0
// Where corrald listens by default, shared by the daemon and corralctl:
// /run/corral/corral.sock for root, $XDG_RUNTIME_DIR/corral/corral.sock
// otherwise (/tmp/corral-UID/corral.sock when XDG_RUNTIME_DIR is unset).
#pragma once

#include <string>

namespace corral::protocol {
std::string default_socket_path();
}  // namespace corral::protocol
