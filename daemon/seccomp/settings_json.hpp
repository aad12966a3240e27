// SPDX-License-Identifier: Apache-2.0
// A service's hardening settings for `corralctl show NAME`.
#pragma once

#include <nlohmann/json.hpp>

#include "corral/config/hardening_config.hpp"

namespace corral::daemon {

// Adds syscall_filter, syscall_action, syscall_filter_mode, no_new_privs,
// capabilities and capability_bounding to `settings`.
void add_hardening_settings(const config::HardeningConfig& h, nlohmann::json& settings);

}  // namespace corral::daemon
