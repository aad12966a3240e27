// SPDX-License-Identifier: Apache-2.0
// Pcb -> JSON in the textbook's three sections, shared by `corralctl show PID` and
// the daemon's `corralctl show NAME`.
#pragma once

#include <nlohmann/json.hpp>

#include "corral/pcb/pcb.hpp"

namespace corral {

// {"identification": {...}, "processor": {...}, "control": {...}} and, when the
// record has threads, "threads": [ the same for each thread ].
nlohmann::json to_json(const Pcb& pcb);

}  // namespace corral
