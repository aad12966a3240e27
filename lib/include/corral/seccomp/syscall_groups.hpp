// SPDX-License-Identifier: Apache-2.0
// Named groups of system calls (@basic-io, @network-io, @system-service, ...),
// corral's own table. A member is a syscall name or "@group" (groups include groups).
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace corral::seccomp {

struct SyscallGroup {
  std::string_view name;         // "@network-io"
  std::string_view description;  // one line for `corralctl syscalls`
  std::vector<std::string_view> members;
};

// Every group, sorted by name.
std::span<const SyscallGroup> syscall_groups();
// nullptr when there is no such group. name includes the '@'.
const SyscallGroup* find_group(std::string_view name);

}  // namespace corral::seccomp
