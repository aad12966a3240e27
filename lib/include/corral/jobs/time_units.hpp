// SPDX-License-Identifier: Apache-2.0
// Time units of the scheduling laboratory: "3", "0.5" time units, kept as whole Ticks
// (a time unit is `unit` Ticks) so that the policies' tie rules compare exactly.
#pragma once

#include <string>
#include <string_view>

#include "corral/base/result.hpp"
#include "corral/jobs/policy.hpp"

namespace corral::jobs {

// A non-negative decimal number of time units ("3", "0.25") in Ticks. Digits beyond
// the precision of `unit`, signs, exponents and anything else are errors.
Result<Tick> parse_units(std::string_view text, Tick unit);
// The shortest decimal spelling: 3000 ticks at unit 1000 -> "3", 2500 -> "2.5".
std::string format_units(Tick ticks, Tick unit);

}  // namespace corral::jobs
