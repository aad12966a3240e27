// SPDX-License-Identifier: Apache-2.0
// From what learning mode saw to a syscall_filter line: the service's own entries,
// then the calls it made outside them, written as a group wherever it used every
// call of that group (on this machine's architecture) and as single names otherwise.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace corral::seccomp {

// Entries to put in syscall_filter: `entries` followed by the additions. Appended
// plain entries add to an allow list and take back out of a deny list, so the
// result lets every learned call through either way.
std::vector<std::string> suggest_filter(const std::vector<std::string>& entries, const std::set<std::string>& learned);

// `syscall_filter = ["@system-service", "socket"]`, in TOML.
std::string format_filter_line(const std::vector<std::string>& entries);

}  // namespace corral::seccomp
