// SPDX-License-Identifier: Apache-2.0
// SCHED_* policy numbers (stat field 41) -> the names corral uses everywhere
// ("other", "fifo", "rr", "batch", "idle", "deadline"; as corral::sched::to_string).
#pragma once

#include <string_view>

namespace corral {
std::string_view policy_name(int policy);  // "?" for an unknown number
}  // namespace corral
