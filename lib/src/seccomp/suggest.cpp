// SPDX-License-Identifier: Apache-2.0
#include "corral/seccomp/suggest.hpp"

#include <seccomp.h>

#include <algorithm>

#include "corral/seccomp/resolve.hpp"
#include "corral/seccomp/syscall_groups.hpp"

namespace corral::seccomp {
namespace {

// The group's calls that exist on the native architecture (others cannot be used here).
std::set<std::string> native_members(std::string_view group) {
  std::set<std::string> out;
  auto all = expand(group);
  if (!all) return out;
  for (const auto& n : *all)
    if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, n.c_str()) >= 0) out.insert(n);
  return out;
}

}  // namespace

std::vector<std::string> suggest_filter(const std::vector<std::string>& entries, const std::set<std::string>& learned) {
  std::vector<std::string> out = entries;
  std::set<std::string> left = learned;
  // Largest groups first, so one group says what several smaller ones would.
  std::vector<std::pair<std::set<std::string>, std::string>> groups;
  for (const auto& g : syscall_groups()) {
    auto members = native_members(g.name);
    if (members.size() >= 2) groups.emplace_back(std::move(members), std::string(g.name));
  }
  std::sort(groups.begin(), groups.end(), [](auto& a, auto& b) {
    return a.first.size() != b.first.size() ? a.first.size() > b.first.size() : a.second < b.second;
  });
  for (const auto& [members, name] : groups) {
    bool whole = std::all_of(members.begin(), members.end(), [&](const std::string& m) { return learned.count(m); });
    bool needed = std::any_of(members.begin(), members.end(), [&](const std::string& m) { return left.count(m); });
    if (!whole || !needed) continue;
    out.push_back(name);
    if (auto all = expand(name)) // the group covers its calls on other architectures too
      for (const auto& m : *all) left.erase(m);
  }
  for (const auto& n : left) out.push_back(n);
  return out;
}

std::string format_filter_line(const std::vector<std::string>& entries) {
  std::string s = "syscall_filter = [";
  for (std::size_t i = 0; i < entries.size(); ++i) s += (i ? ", \"" : "\"") + entries[i] + "\"";
  return s + "]";
}

}  // namespace corral::seccomp
