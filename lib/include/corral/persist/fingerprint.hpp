// SPDX-License-Identifier: Apache-2.0
// A stable fingerprint of a service's configuration, stored in the state file so
// that a config changed while corrald was down is noticed at start (and the
// service restarted as a reload would).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "corral/config/config.hpp"

namespace corral::persist {

// 16 hex digits (FNV-1a 64 over a canonical text of every field).
std::string config_fingerprint(const config::ServiceConfig& c);
std::uint64_t fnv1a64(std::string_view data);

}  // namespace corral::persist
