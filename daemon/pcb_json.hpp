// SPDX-License-Identifier: Apache-2.0
// The PCB of a service's process for `show NAME`, as `show PID` prints it.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace corral::daemon {
// The Pcb as JSON, or {"error": "..."} when the process cannot be read.
nlohmann::json pcb_json_of(pid_t pid);
}  // namespace corral::daemon
