// SPDX-License-Identifier: Apache-2.0
// Names to syscalls: a group is expanded recursively (with cycle safety), a single
// name is checked against libseccomp's tables for every architecture corral
// filters (x86_64, i386, x32, aarch64), and an unknown name gets a did-you-mean.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/seccomp/syscall_groups.hpp"

namespace corral::seccomp {

// True when libseccomp knows `name` on at least one of x86_64, i386, x32, aarch64.
bool known_syscall(std::string_view name);

// Every syscall name libseccomp knows on those architectures, sorted.
const std::vector<std::string>& all_syscall_names();

// The nearest group or syscall name to `word`, if it is close enough to be a typo.
std::optional<std::string> did_you_mean(std::string_view word);

using GroupLookup = std::function<const SyscallGroup*(std::string_view)>;

// "@group" or "name" to the set of syscall names it stands for. Errors: unknown
// group or syscall (with a did-you-mean), a group that includes itself.
// `lookup` stands in for the table so tests can feed a cyclic one.
Result<std::set<std::string>> expand(std::string_view name, const GroupLookup& lookup);
Result<std::set<std::string>> expand(std::string_view name);

}  // namespace corral::seccomp
