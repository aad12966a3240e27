// SPDX-License-Identifier: Apache-2.0
// syscall_filter = [...] with systemd's SystemCallFilter= semantics:
// - if the first entry starts with '~' the list is a deny list (everything is
//   allowed but what it names), else an allow list (nothing is allowed but what
//   it names, plus @default);
// - later entries are applied in order: in an allow list a plain entry adds and a
//   '~' entry removes; in a deny list a '~' entry adds to the denied set and a
//   plain entry takes back out of it.
// execve, execveat, exit, exit_group, rt_sigreturn and sigreturn are never
// denied: corral loads the filter before its own execve, and a process must be
// able to leave.
// Also the action taken on a call outside the filter (syscall_action) and the
// mode (syscall_filter_mode).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::seccomp {

// One entry of the list, resolved: "~@mount" -> negated, the @mount calls.
struct FilterEntry {
  bool negated = false;
  std::string text;              // as written
  std::set<std::string> syscalls;
};

// "~@mount" or "ptrace": errors for "~" alone, an empty string, an unknown name.
Result<FilterEntry> parse_filter_entry(std::string_view text);

struct FilterSpec {
  bool allow_list = true;
  std::set<std::string> syscalls;  // allowed (allow list) or denied (deny list)
  std::vector<std::string> entries;  // as written, for `corralctl show`

  bool operator==(const FilterSpec&) const = default;
};

// Calls that are never denied (see above).
const std::set<std::string>& always_allowed();

// Applies the entries in order. Error: an empty list (an allow list of nothing
// would stop the service at its first call; leave the key out for no filter).
Result<FilterSpec> combine_filter(const std::vector<FilterEntry>& entries);

// parse_filter_entry on each, then combine_filter; the first error wins.
Result<FilterSpec> parse_filter(const std::vector<std::string>& entries);

// What happens to a call outside the filter.
struct FilterAction {
  enum class Kind { Errno, Kill, Log };
  Kind kind = Kind::Errno;
  int errno_value = 1;  // EPERM

  bool operator==(const FilterAction&) const = default;
};

// "eperm", "errno:EACCES", "kill", "log".
Result<FilterAction> parse_filter_action(std::string_view text);
std::string to_string(const FilterAction& action);

// enforce: apply the action; learn: let the call through and record it (corrald).
enum class FilterMode { Enforce, Learn };
std::string_view to_string(FilterMode mode);

// A service's whole filter setting: syscall_filter, syscall_action, syscall_filter_mode.
struct FilterConfig {
  FilterSpec spec;
  FilterAction action;
  FilterMode mode = FilterMode::Enforce;

  bool operator==(const FilterConfig&) const = default;
};

}  // namespace corral::seccomp
