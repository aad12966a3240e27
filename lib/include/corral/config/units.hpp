// SPDX-License-Identifier: Apache-2.0
// Value syntaxes of the config file that are not plain TOML types: durations
// ("500ms", "1.5s", "1m30s"), sizes ("64K", "10M"), signal names ("TERM", "SIGINT")
// and shell-like command strings. Pure functions, unit-tested on their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::config {

using Duration = std::chrono::nanoseconds;

// "500ms", "10s", "2m", "1h", "1.5s", "250us", "1m30s" (terms add up), or a bare
// number "5" / "0.5" meaning seconds. Units: ns, us, ms, s, m, h. Negative values,
// missing numbers and unknown units are errors; so is anything above ~31 years.
Result<Duration> parse_duration(std::string_view text);
// A TOML number of seconds (integer or float) as a Duration, with the same limits.
Result<Duration> duration_from_seconds(double seconds);
// The shortest exact spelling: 1500ms -> "1500ms", 2s -> "2s", 90s -> "90s", 0 -> "0s".
std::string format_duration(Duration d);

// "512" (bytes), "64K", "10M", "1G", "1T" with binary units (K = 1024); the unit is
// case-insensitive and may be followed by "iB" or "B" ("64KiB", "10MB" = 10 MiB).
// A fraction is allowed and rounded down to whole bytes ("1.5K" = 1536).
Result<std::uint64_t> parse_size(std::string_view text);
// 10485760 -> "10M", 1536 -> "1536", 0 -> "0": the largest unit that divides exactly.
std::string format_size(std::uint64_t bytes);

// Splits a command line the way a POSIX shell splits words, without running one:
// blanks separate words; '...' keeps everything literally; "..." keeps everything
// but lets \" \\ \$ \` and \newline be escaped; outside quotes a backslash
// escapes the next character. No expansion of $VAR, globs, ~ or redirections: those
// characters are kept as they are. Unbalanced quotes or a trailing backslash are
// errors; an empty or blank command is an error.
Result<std::vector<std::string>> split_command(std::string_view text);

}  // namespace corral::config
