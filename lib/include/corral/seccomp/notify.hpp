// SPDX-License-Identifier: Apache-2.0
// Learning mode's listener side (libseccomp's notify API): take one pending
// notification, let the call go through (SECCOMP_USER_NOTIF_FLAG_CONTINUE), and
// say which call it was.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "corral/base/result.hpp"

namespace corral::seccomp {

struct Notification {
  pid_t pid = 0;
  std::uint32_t arch = 0;  // AUDIT_ARCH_*
  int nr = -1;
  std::string name;        // "socket", or "nr 999 (arch 0x...)" when libseccomp has no name
};

// Receives one notification from `listener` and answers it with CONTINUE.
// nullopt: nothing was pending, or the caller died before the answer (ENOENT).
Result<std::optional<Notification>> receive_and_continue(int listener);

}  // namespace corral::seccomp
