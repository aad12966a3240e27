// SPDX-License-Identifier: Apache-2.0
// CPU lists in the kernel's notation ("0-3,6,8-11"), as used by cpuset.cpus,
// taskset -c and /sys/devices/system/cpu/online. Shared by the config loader,
// the affinity code and corralctl.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral {

// Largest CPU number accepted (the kernel's CONFIG_NR_CPUS upper bound); it keeps
// a typo like "0-4000000000" from allocating a huge vector.
inline constexpr int kMaxCpuNumber = 8191;

// Parses "0-3,6" into a sorted list without duplicates {0,1,2,3,6}. Whitespace
// around items is allowed; an empty string or a bad item ("3-1", "x", "1-",
// "9000") is an error naming the item.
Result<std::vector<int>> parse_cpu_list(std::string_view text);

// The inverse: sorts, drops duplicates and folds runs, {0,1,2,3,6} -> "0-3,6".
std::string format_cpu_list(std::vector<int> cpus);

}  // namespace corral
