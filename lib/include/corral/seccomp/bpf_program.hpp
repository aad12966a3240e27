// SPDX-License-Identifier: Apache-2.0
// Building a filter (libseccomp, before fork) and loading it (a raw seccomp(2)
// call, async-signal-safe, in the child right before execve).
#pragma once

#include <linux/filter.h>

#include <vector>

#include "corral/base/result.hpp"
#include "corral/seccomp/filter_spec.hpp"

namespace corral::seccomp {

// A classic-BPF program ready for seccomp(SECCOMP_SET_MODE_FILTER).
struct BpfProgram {
  std::vector<sock_filter> instructions;
};

// libseccomp: seccomp_init with the default action, one rule per syscall, the
// compat architectures on x86_64 (i386 and x32, so `int $0x80` is filtered too),
// then seccomp_export_bpf into memory. In Learn mode a call outside the filter
// becomes a user notification (SECCOMP_RET_USER_NOTIF) instead of the action.
// Errors name the syscall whose rule libseccomp refused.
Result<BpfProgram> build_filter(const FilterSpec& spec, const FilterAction& action, FilterMode mode);

// The flags for load_filter: SECCOMP_FILTER_FLAG_NEW_LISTENER in Learn mode.
unsigned load_flags(FilterMode mode);

// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog). Returns >= 0 on success (the
// listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0) or -errno. The
// caller must have set no_new_privs (or hold CAP_SYS_ADMIN). Async-signal-safe.
int load_filter(const sock_fprog& program, unsigned flags) noexcept;

}  // namespace corral::seccomp
