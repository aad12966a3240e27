// SPDX-License-Identifier: Apache-2.0
// A service's hardening keys: syscall_filter, syscall_action, syscall_filter_mode,
// no_new_privs, capabilities, capability_bounding (man/corral.toml.5).
#pragma once

#include <cstdint>
#include <optional>

#include "corral/seccomp/filter_spec.hpp"

namespace corral::config {

struct HardeningConfig {
  std::optional<seccomp::FilterConfig> syscall_filter;  // nullopt: no filter
  bool no_new_privs = false;                            // forced on by a filter
  std::optional<std::uint64_t> capabilities;            // bit N = capability N
  std::optional<std::uint64_t> capability_bounding;

  bool operator==(const HardeningConfig&) const = default;
};

}  // namespace corral::config
