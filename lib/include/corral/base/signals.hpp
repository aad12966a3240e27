// SPDX-License-Identifier: Apache-2.0
// Signal names and numbers, from a table of the standard Linux signals (plus the
// real-time range), so "TERM", "SIGTERM", "term" and "15" all mean SIGTERM.
#pragma once

#include <optional>
#include <string_view>

namespace corral {

// Accepts a name with or without the SIG prefix, in any case ("TERM", "SIGterm"),
// the aliases IOT, CLD, POLL, "RTMIN", "RTMIN+3", "RTMAX-1", or a number 1..SIGRTMAX.
// nullopt for anything else, including 0 (not a signal one can deliver).
std::optional<int> parse_signal(std::string_view text);

// "SIGTERM"; "SIGRTMIN+3" for real-time signals; "" for a number that is no signal.
std::string_view signal_name(int signo);

}  // namespace corral
