// SPDX-License-Identifier: Apache-2.0
#include "corral/pcb/proc_state.hpp"

#include <array>
#include <utility>

namespace corral {
namespace {
constexpr std::array<std::pair<ProcState, std::string_view>, 7> kNames{{
    {ProcState::New, "New"},
    {ProcState::Ready, "Ready"},
    {ProcState::Running, "Running"},
    {ProcState::Blocked, "Blocked"},
    {ProcState::ReadySuspend, "Ready/Suspend"},
    {ProcState::BlockedSuspend, "Blocked/Suspend"},
    {ProcState::Exit, "Exit"},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

std::string_view to_string(ProcState s) {
  for (auto& [state, name] : kNames)
    if (state == s) return name;
  return "?";
}

std::optional<ProcState> parse_proc_state(std::string_view name) {
  for (auto& [state, n] : kNames)
    if (iequals(n, name)) return state;
  return std::nullopt;
}

bool is_suspended(ProcState s) { return s == ProcState::ReadySuspend || s == ProcState::BlockedSuspend; }

}  // namespace corral
