// SPDX-License-Identifier: Apache-2.0
#include "signal_text.hpp"

#include "corral/base/signals.hpp"

namespace corral::daemon {

std::string signal_text(int sig) {
  std::string_view name = signal_name(sig);
  return name.empty() ? "signal " + std::to_string(sig) : std::string(name);
}

std::optional<int> signal_from_text(std::string_view s) { return parse_signal(s); }

}  // namespace corral::daemon
