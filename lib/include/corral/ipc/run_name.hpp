// SPDX-License-Identifier: Apache-2.0
// Names for one demo run's IPC objects. Two runs at once must never share a
// segment or a queue, so every name carries the parent pid and a random part.
#pragma once

#include <string>
#include <string_view>

namespace corral::ipc {

// "corral-<demo>-<pid>-<8 hex digits>"; valid as a POSIX shm/mq name once
// prefixed with '/', and as a Boost.Interprocess name as is.
std::string unique_run_name(std::string_view demo);

}  // namespace corral::ipc
