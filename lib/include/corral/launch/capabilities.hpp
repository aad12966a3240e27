// SPDX-License-Identifier: Apache-2.0
// Capability names and the child-side steps that apply them. Done by hand with
// prctl(2) and capset(2) rather than libcap or libcap-ng: the steps run between
// fork and exec, where only async-signal-safe calls are allowed, and both
// libraries allocate (cap_init, capng_apply's internal state); the raw calls are
// five lines, and no new package is needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::launch {

using CapabilitySet = std::uint64_t;  // bit N = capability N

// "CAP_NET_BIND_SERVICE" (or "net_bind_service", any case) -> 10; nullopt if unknown.
std::optional<int> parse_capability(std::string_view name);
// 10 -> "CAP_NET_BIND_SERVICE"; "" for an unknown number.
std::string_view capability_name(int cap);
// Every name, for did-you-mean and documentation.
std::vector<std::string_view> capability_names();
// "CAP_CHOWN,CAP_NET_BIND_SERVICE" (or "(none)").
std::string format_capabilities(CapabilitySet set);
// The kernel's highest capability number (/proc/sys/kernel/cap_last_cap), read
// before fork; the header's CAP_LAST_CAP when the file cannot be read.
int last_capability();

// Child side, async-signal-safe, each returns 0 or an errno.
// Keep the permitted set across the coming setuid (PR_SET_KEEPCAPS).
int keep_capabilities_across_setuid() noexcept;
// Drop every capability up to `last` that is not in `keep` from the bounding set.
int drop_bounding_set(CapabilitySet keep, int last) noexcept;
// After setuid: permitted = effective = inheritable = `caps`, nothing else.
int set_capabilities(CapabilitySet caps) noexcept;
// Raise each of `caps` in the ambient set, so they survive execve of an
// ordinary (not file-capability, not setuid) program. failed_cap gets the one that failed.
int raise_ambient(CapabilitySet caps, int last, int& failed_cap) noexcept;

}  // namespace corral::launch
