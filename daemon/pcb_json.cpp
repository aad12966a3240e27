// SPDX-License-Identifier: Apache-2.0
#include "pcb_json.hpp"

#include "corral/pcb/pcb_json.hpp"
#include "corral/proc/reader.hpp"

namespace corral::daemon {

nlohmann::json pcb_json_of(pid_t pid) {
  auto pcb = proc::read_process(pid);
  if (!pcb) return nlohmann::json{{"error", pcb.error().message}};
  return to_json(*pcb);
}

}  // namespace corral::daemon
