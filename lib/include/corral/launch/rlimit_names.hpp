// SPDX-License-Identifier: Apache-2.0
// Names of the RLIMIT_* resources, for config keys and error messages.
#pragma once

#include <optional>
#include <string_view>

namespace corral::launch {

// "RLIMIT_NOFILE" for RLIMIT_NOFILE; "" for an unknown resource.
std::string_view rlimit_name(int resource);
// Accepts "nofile", "NOFILE", "RLIMIT_NOFILE" (any case); nullopt when unknown.
std::optional<int> parse_rlimit(std::string_view name);

}  // namespace corral::launch
