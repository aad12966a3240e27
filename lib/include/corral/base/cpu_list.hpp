// CPU lists in the kernel's format ("0-3,8,10-11"), as used by sysfs, cpuset.cpus,
// taskset -c and the config's `cpus` keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral {

// Parses "0-3,8" into {0,1,2,3,8} (sorted, no duplicates). Whitespace around the
// whole list (sysfs files end in '\n') is ignored; an empty list gives {}. Errors
// name the offending item: "cpu list \"3-1\": range 3-1 is reversed".
Result<std::vector<int>> parse_cpu_list(std::string_view text);

// The inverse: {0,1,2,3,8} -> "0-3,8".
std::string format_cpu_list(const std::vector<int>& cpus);

}  // namespace corral
