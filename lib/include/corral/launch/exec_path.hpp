// SPDX-License-Identifier: Apache-2.0
// Resolving the program to execute, before fork (a PATH search allocates, so it
// cannot run in the child). Uses the CHILD's PATH, since the child's environment
// is clean and may differ from the launcher's.
#pragma once

#include <map>
#include <string>

#include "corral/base/result.hpp"

namespace corral::launch {

// Used when the child's environment has no PATH (the same list as systemd's).
inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// name with a '/' is returned unchanged (execve resolves it, relative to the
// child's cwd, and reports its own errors). Otherwise the first PATH entry holding
// a regular file with an execute bit; ENOENT ("exec foo: No such file or directory
// (searched PATH=...)") or EACCES when only non-executable files were found.
// An empty PATH entry means the current directory, as in execvp.
Result<std::string> resolve_executable(const std::string& name, const std::map<std::string, std::string>& env);

}  // namespace corral::launch
