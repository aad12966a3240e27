// SPDX-License-Identifier: Apache-2.0
#include "corral/seccomp/resolve.hpp"

#include <seccomp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace corral::seccomp {
namespace {

// The architectures whose names are valid in a filter: the native one and its
// compat ABIs on x86_64, and aarch64 so a config written there loads here too.
constexpr std::uint32_t kNameArches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64};

// Bit x32 system-call numbers carry (__X32_SYSCALL_BIT).
constexpr int kX32Bit = 0x40000000;

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

struct Expander {
  const GroupLookup& lookup;
  std::vector<std::string_view> stack;  // groups being expanded, for the cycle check
  std::set<std::string> out;

  Status add(std::string_view name) {
    if (name.empty()) return Error::logic("empty system call name", EINVAL);
    if (name[0] != '@') {
      if (!known_syscall(name)) return unknown(name, "system call");
      out.emplace(name);
      return {};
    }
    const SyscallGroup* g = lookup(name);
    if (!g) return unknown(name, "system call group");
    if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
      std::string path;
      for (auto s : stack) path += std::string(s) + " -> ";
      return Error::logic("system call group " + std::string(name) + " includes itself (" + path +
                              std::string(name) + ")",
                          ELOOP);
    }
    stack.push_back(name);
    for (auto m : g->members)
      if (auto st = add(m); !st) return st;
    stack.pop_back();
    return {};
  }

  Error unknown(std::string_view name, std::string_view what) {
    std::string msg = "unknown " + std::string(what) + " \"" + std::string(name) + "\"";
    if (!stack.empty()) msg += " in group " + std::string(stack.back());
    if (auto hint = did_you_mean(name)) msg += " (did you mean \"" + *hint + "\"?)";
    return Error::logic(std::move(msg), EINVAL);
  }
};

}  // namespace

bool known_syscall(std::string_view name) {
  std::string n(name);
  for (auto arch : kNameArches)
    if (seccomp_syscall_resolve_name_arch(arch, n.c_str()) != __NR_SCMP_ERROR) return true;
  return false;
}

const std::vector<std::string>& all_syscall_names() {
  static const std::vector<std::string> names = [] {
    std::set<std::string> found;
    for (auto arch : kNameArches) {
      int base = arch == SCMP_ARCH_X32 ? kX32Bit : 0;
      for (int nr = 0; nr < 1024; ++nr) {
        char* s = seccomp_syscall_resolve_num_arch(arch, base + nr);
        if (s) found.emplace(s);
        ::free(s);  // NOLINT: libseccomp hands out malloc'd names
      }
    }
    return std::vector<std::string>(found.begin(), found.end());
  }();
  return names;
}

std::optional<std::string> did_you_mean(std::string_view word) {
  std::optional<std::string> best;
  std::size_t best_d = 0;
  auto consider = [&](std::string_view candidate) {
    std::size_t d = edit_distance(word, candidate);
    if (!best || d < best_d) {
      best = std::string(candidate);
      best_d = d;
    }
  };
  if (!word.empty() && word[0] == '@') {
    for (const auto& g : syscall_groups()) consider(g.name);
  } else {
    for (const auto& n : all_syscall_names()) consider(n);
  }
  std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  if (best && best_d <= limit) return best;
  return std::nullopt;
}

Result<std::set<std::string>> expand(std::string_view name, const GroupLookup& lookup) {
  Expander e{lookup, {}, {}};
  if (auto st = e.add(name); !st) return st.error();
  return std::move(e.out);
}

Result<std::set<std::string>> expand(std::string_view name) {
  static const GroupLookup table = [](std::string_view n) { return find_group(n); };
  return expand(name, table);
}

}  // namespace corral::seccomp
