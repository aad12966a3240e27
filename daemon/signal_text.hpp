// SPDX-License-Identifier: Apache-2.0
// Signal names for messages and requests ("SIGTERM", "TERM", "15").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corral::daemon {
std::string signal_text(int sig);
std::optional<int> signal_from_text(std::string_view s);
}  // namespace corral::daemon
