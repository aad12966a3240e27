// SPDX-License-Identifier: Apache-2.0
// Syscall numbers from /proc/PID/syscall -> names, for the "event awaited" column.
#pragma once

#include <string_view>

namespace corral {
// "read", "nanosleep", ...; empty when the number is unknown on this architecture.
std::string_view syscall_name(long nr);
}  // namespace corral
