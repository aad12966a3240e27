// SPDX-License-Identifier: Apache-2.0
#include "corral/pcb/policy_name.hpp"

namespace corral {

std::string_view policy_name(int policy) {
  switch (policy) {
    case 0: return "other";
    case 1: return "fifo";
    case 2: return "rr";
    case 3: return "batch";
    case 5: return "idle";
    case 6: return "deadline";
    default: return "?";
  }
}

}  // namespace corral
