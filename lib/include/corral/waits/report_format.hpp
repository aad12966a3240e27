// SPDX-License-Identifier: Apache-2.0
// Renderings of a deadlock report: JSON (for --json and, later, the daemon), Graphviz
// DOT, and human text. Pure functions of the snapshot and its analysis.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "corral/waits/snapshot.hpp"

namespace corral::waits {

// {"deadlocks":[{"processes":[pids],"resources":[{...}],"details":[...]}],
//  "blocked":[...], "notes":[...]}
nlohmann::json report_to_json(const Snapshot& snap, const Report& report);
// report_to_json(snap, report).dump(2), written straight to text (what --json prints):
// no tree of objects for hundreds of blocked waits.
std::string report_to_json_text(const Snapshot& snap, const Report& report);
std::string report_to_dot(const Snapshot& snap, const Report& report);
std::string report_to_text(const Snapshot& snap, const Report& report);

}  // namespace corral::waits
