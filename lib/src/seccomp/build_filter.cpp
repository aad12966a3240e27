// SPDX-License-Identifier: Apache-2.0
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "corral/base/unique_fd.hpp"
#include "corral/seccomp/bpf_program.hpp"

namespace corral::seccomp {
namespace {

std::uint32_t outside_action(const FilterAction& action, FilterMode mode) {
  if (mode == FilterMode::Learn) return SCMP_ACT_NOTIFY;
  switch (action.kind) {
    case FilterAction::Kind::Kill: return SCMP_ACT_KILL_PROCESS;
    case FilterAction::Kind::Log: return SCMP_ACT_LOG;
    case FilterAction::Kind::Errno: break;
  }
  return SCMP_ACT_ERRNO(static_cast<std::uint32_t>(action.errno_value));
}

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};

// True when name has a number on at least one architecture of ctx (a name that
// exists only elsewhere, e.g. an aarch64-only call on x86_64, has nothing to filter).
bool present_in(scmp_filter_ctx ctx, const std::string& name) {
  for (std::uint32_t arch : {std::uint32_t{SCMP_ARCH_X86_64}, std::uint32_t{SCMP_ARCH_X86}, std::uint32_t{SCMP_ARCH_X32},
                             std::uint32_t{SCMP_ARCH_AARCH64}, std::uint32_t{SCMP_ARCH_ARM}})
    if (seccomp_arch_exist(ctx, arch) == 0 && seccomp_syscall_resolve_name_arch(arch, name.c_str()) >= 0)
      return true;
  return false;
}

}  // namespace

unsigned load_flags(FilterMode mode) { return mode == FilterMode::Learn ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0U; }

Result<BpfProgram> build_filter(const FilterSpec& spec, const FilterAction& action, FilterMode mode) {
  std::uint32_t outside = outside_action(action, mode);
  std::uint32_t fallback = spec.allow_list ? outside : SCMP_ACT_ALLOW;
  std::uint32_t listed = spec.allow_list ? SCMP_ACT_ALLOW : outside;
  std::unique_ptr<void, CtxRelease> ctx(seccomp_init(fallback));
  if (!ctx) return Error::logic("seccomp_init: libseccomp refused the default action", EINVAL);
  // A binary tree of syscall numbers instead of one comparison per rule: each
  // call walks ~10 comparisons, not up to 300 per ABI, and the kernel takes the
  // program in noticeably less time at each launch (issue 12: measured per
  // fork with @system-service, the load cost fell by about a third).
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc != 0)
    return Error::from_errno(-rc, "seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE)");
  // On x86_64 the i386 ABI (int $0x80) is filtered call by call. The x32 ABI
  // (x86_64 numbers with bit 30 set) is refused as a whole: libseccomp sends a
  // call of an architecture the program does not list to the "bad arch"
  // action, here the filter's own. Debian's kernels leave x32 off unless booted
  // with syscall.x32=y and ship no x32 userland, and each ABI filtered call by
  // call is a third of the program: the kernel's load of it, paid at every
  // launch, is linear in its length (issue 12: 1281 instructions with x32,
  // 877 without, for an allow list of 335 calls). Learning mode lets x32
  // calls through, as it does every call outside the filter.
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    if (int rc = seccomp_arch_add(ctx.get(), SCMP_ARCH_X86); rc != 0 && rc != -EEXIST)
      return Error::from_errno(-rc, "seccomp_arch_add");
  }
  const std::uint32_t other_abi = mode == FilterMode::Learn ? SCMP_ACT_ALLOW : outside;
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, other_abi); rc != 0)
    return Error::from_errno(-rc, "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)");
  for (const auto& name : spec.syscalls) {
    if (!present_in(ctx.get(), name)) continue;
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    if (int rc = seccomp_rule_add(ctx.get(), listed, nr, 0); rc != 0)
      return Error::from_errno(-rc, "seccomp rule for system call " + name);
  }
  // libseccomp 2.5 exports only to an fd; a memfd keeps it in memory.
  UniqueFd mem(::memfd_create("corral-seccomp", MFD_CLOEXEC));
  if (!mem) return errno_error("memfd_create for the seccomp filter");
  if (int rc = seccomp_export_bpf(ctx.get(), mem.get()); rc != 0) return Error::from_errno(-rc, "seccomp_export_bpf");
  off_t size = ::lseek(mem.get(), 0, SEEK_END);
  if (size < 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
    return Error::logic("seccomp_export_bpf: a torn program", EIO);
  BpfProgram prog;
  prog.instructions.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (::pread(mem.get(), prog.instructions.data(), static_cast<std::size_t>(size), 0) != size)
    return errno_error("read back the seccomp filter");
  if (prog.instructions.size() > static_cast<std::size_t>(BPF_MAXINSNS))
    return Error::logic("the seccomp filter has " + std::to_string(prog.instructions.size()) +
                            " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS),
                        E2BIG);
  return prog;
}

}  // namespace corral::seccomp
