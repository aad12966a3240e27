// SPDX-License-Identifier: Apache-2.0
#include "corral/seccomp/filter_spec.hpp"

#include <cstring>

#include "corral/seccomp/resolve.hpp"

namespace corral::seccomp {

Result<FilterEntry> parse_filter_entry(std::string_view text) {
  FilterEntry e;
  e.text = std::string(text);
  std::string_view name = text;
  if (!name.empty() && name[0] == '~') {
    e.negated = true;
    name.remove_prefix(1);
    if (name.empty()) return Error::logic("\"~\" alone: write ~NAME or ~@GROUP", EINVAL);
  }
  if (name.empty()) return Error::logic("an empty entry: write a system call name or @GROUP", EINVAL);
  auto set = expand(name);
  if (!set) return set.error();
  e.syscalls = std::move(*set);
  return e;
}

const std::set<std::string>& always_allowed() {
  static const std::set<std::string> names{"execve", "execveat", "exit", "exit_group", "rt_sigreturn", "sigreturn"};
  return names;
}

Result<FilterSpec> combine_filter(const std::vector<FilterEntry>& entries) {
  if (entries.empty())
    return Error::logic("an empty allow list would stop the service at its first system call "
                        "(leave syscall_filter out for no filter)",
                        EINVAL);
  FilterSpec spec;
  spec.allow_list = !entries.front().negated;
  if (spec.allow_list) {
    auto defaults = expand("@default");
    if (!defaults) return defaults.error();
    spec.syscalls = std::move(*defaults);
  }
  for (const auto& e : entries) {
    spec.entries.push_back(e.text);
    // Adding: a plain entry to an allow list, a '~' entry to a deny list.
    bool adds = e.negated != spec.allow_list;
    for (const auto& s : e.syscalls) {
      if (adds) spec.syscalls.insert(s);
      else spec.syscalls.erase(s);
    }
  }
  for (const auto& s : always_allowed()) {
    if (spec.allow_list) spec.syscalls.insert(s);
    else spec.syscalls.erase(s);
  }
  return spec;
}

Result<FilterSpec> parse_filter(const std::vector<std::string>& texts) {
  std::vector<FilterEntry> entries;
  for (const auto& t : texts) {
    auto e = parse_filter_entry(t);
    if (!e) return e.error();
    entries.push_back(std::move(*e));
  }
  return combine_filter(entries);
}

Result<FilterAction> parse_filter_action(std::string_view text) {
  if (text == "eperm") return FilterAction{FilterAction::Kind::Errno, EPERM};
  if (text == "kill") return FilterAction{FilterAction::Kind::Kill, 0};
  if (text == "log") return FilterAction{FilterAction::Kind::Log, 0};
  constexpr std::string_view kErrno = "errno:";
  if (text.substr(0, kErrno.size()) == kErrno) {
    std::string_view name = text.substr(kErrno.size());
    for (int e = 1; e < 4096; ++e) {
      const char* n = ::strerrorname_np(e);
      if (n && name == n) return FilterAction{FilterAction::Kind::Errno, e};
    }
    return Error::logic("unknown errno name \"" + std::string(name) + "\" (expected a name like EACCES)", EINVAL);
  }
  return Error::logic("expected \"eperm\", \"errno:NAME\", \"kill\" or \"log\", got \"" + std::string(text) + "\"",
                      EINVAL);
}

std::string to_string(const FilterAction& a) {
  switch (a.kind) {
    case FilterAction::Kind::Kill: return "kill";
    case FilterAction::Kind::Log: return "log";
    case FilterAction::Kind::Errno: {
      if (a.errno_value == EPERM) return "eperm";
      const char* n = ::strerrorname_np(a.errno_value);
      return "errno:" + std::string(n ? n : std::to_string(a.errno_value));
    }
  }
  return "?";
}

std::string_view to_string(FilterMode mode) { return mode == FilterMode::Learn ? "learn" : "enforce"; }

}  // namespace corral::seccomp
