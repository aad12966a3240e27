// SPDX-License-Identifier: Apache-2.0
#include "corral/pcb/proc_state.hpp"

#include <array>
#include <utility>

#include "corral/base/strings.hpp"

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
