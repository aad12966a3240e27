// SPDX-License-Identifier: Apache-2.0
#include "spawn.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <string>

#include "clone_vm.hpp"

namespace corral::launch {
namespace {

// linux/sched.h's struct clone_args (its header clashes with glibc's sched.h);
// the kernel versions it by size.
struct CloneArgs {
  std::uint64_t flags = 0;
  std::uint64_t pidfd = 0;
  std::uint64_t child_tid = 0;
  std::uint64_t parent_tid = 0;
  std::uint64_t exit_signal = 0;
  std::uint64_t stack = 0;
  std::uint64_t stack_size = 0;
  std::uint64_t tls = 0;
  std::uint64_t set_tid = 0;
  std::uint64_t set_tid_size = 0;
  std::uint64_t cgroup = 0;
};
constexpr std::size_t kCloneArgsSizeVer0 = 64;  // up to tls: Linux 5.3
constexpr std::size_t kCloneArgsSizeVer2 = 88;  // with cgroup: Linux 5.7
static_assert(sizeof(CloneArgs) == kCloneArgsSizeVer2);

constexpr std::uint64_t kCloneVm = 0x00000100;
constexpr std::uint64_t kCloneFiles = 0x00000400;
constexpr std::uint64_t kCloneVfork = 0x00004000;
constexpr std::uint64_t kClonePidfd = 0x00001000;
constexpr std::uint64_t kCloneIntoCgroup = 0x200000000ULL;

std::atomic<bool> clone3_missing{false};   // learned from ENOSYS
std::atomic<bool> simulate_missing{false};  // tests: simulate_clone3_missing

// The vfork-style child's stack: one per launching thread, kept for the next
// launch (the child is done with it when clone returns: it has exec'd or exited).
class ChildStack {
 public:
  static constexpr std::size_t kSize = 256 * 1024;  // setup uses a few KiB; execve's argument copy is the kernel's
  ~ChildStack() {
    if (base_ != nullptr) ::munmap(base_, kSize);
  }
  void* get() {
    if (base_ == nullptr) {
      void* p = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
      if (p == MAP_FAILED) return nullptr;
      // A guard page at the low end: an overflow faults instead of writing below.
      if (::mprotect(p, static_cast<std::size_t>(::getpagesize()), PROT_NONE) != 0) {
        ::munmap(p, kSize);
        return nullptr;
      }
      base_ = p;
    }
    return base_;
  }

 private:
  void* base_ = nullptr;
};

// The vfork-style child's first function, on its own stack.
int child_entry(void* arg) { run_child_setup(*static_cast<const ChildContext*>(arg)); }

// Blocks every signal while it lives: until the child has reset its dispositions,
// a signal would run one of the launcher's handlers (e.g. a self-pipe write) in
// the child. The child unblocks after resetting them.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous_);
  }
  ~SignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t previous_{};
};

// One clone3 attempt. Returns the pid, or -errno.
long try_clone3(ChildContext& ctx, bool into_cgroup, bool shared_memory, int& pidfd) {
  const PreparedLaunch& p = *ctx.prepared;
  CloneArgs args;
  args.flags = kClonePidfd;
  args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  std::size_t size = kCloneArgsSizeVer0;
  if (into_cgroup) {
    // only with p.cgroup_v2 (spawn_child)
    args.flags |= kCloneIntoCgroup;
    args.cgroup = static_cast<std::uint64_t>(p.cgroup_dir.get());
    size = kCloneArgsSizeVer2;
  }
  ctx.in_cgroup = into_cgroup;  // before the clone: the child reads it
  if (shared_memory) {
    thread_local ChildStack stack;
    void* base = stack.get();
    if (base == nullptr) return -ENOMEM;
    args.flags |= kCloneVm | kCloneVfork;
    if (ctx.fds.unshare_from >= 0) args.flags |= kCloneFiles;  // the child unshares at once (fd_slots.hpp)
    args.stack = reinterpret_cast<std::uintptr_t>(base);
    args.stack_size = ChildStack::kSize;
    return clone3_vm_call(&args, size, child_entry, &ctx);
  }
  long pid = ::syscall(SYS_clone3, &args, size);
  if (pid == 0) run_child_setup(ctx);  // the child, on its own copy of this stack
  return pid < 0 ? -errno : pid;
}

// A child that joins a frozen cgroup stops there before execve, and a vfork-style
// launcher would sleep until someone thaws it. corrald freezes only from its own
// (this) thread, so a look right before the clone is enough for its cgroups.
bool cgroup_frozen(const PreparedLaunch& p) {
  if (!p.cgroup_dir) return false;
  UniqueFd fd(::openat(p.cgroup_dir.get(), p.cgroup_v2 ? "cgroup.events" : "freezer.state", O_RDONLY | O_CLOEXEC));
  if (!fd) return false;  // no freezer here (a v1 hierarchy without it)
  char buf[256];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return true;  // unknown: be careful
  std::string_view text(buf, static_cast<std::size_t>(n));
  return p.cgroup_v2 ? text.find("frozen 1") != std::string_view::npos : !text.starts_with("THAWED");
}

}  // namespace

std::string_view to_string(SpawnMethod m) {
  switch (m) {
    case SpawnMethod::Clone3Vfork: return "clone3 (vfork-style)";
    case SpawnMethod::Clone3: return "clone3";
    case SpawnMethod::Fork: return "fork";
  }
  return "?";
}

void simulate_clone3_missing(bool missing) { simulate_missing = missing; }

Result<Spawned> spawn_child(ChildContext& ctx, bool shared_memory_ok) {
  const PreparedLaunch& p = *ctx.prepared;
  const bool shared_memory = shared_memory_ok && clone3_vm_supported() && !cgroup_frozen(p);
  Spawned out;
  SignalsBlocked blocked;
  struct SlotsReleased {
    const ChildFds& fds;
    ~SlotsReleased() { release_slots(fds); }
  } released{ctx.fds};
  ctx.fds = ChildFds{};
  if (!clone3_missing && !simulate_missing) {
    // Only a vfork-style child: the launcher must be suspended while the child
    // shares its fd table, and the slots are put back only after the clone.
    if (shared_memory) place_on_slots(p, ctx.error_fd, ctx.fds);
    int pidfd = -1;
    bool into_cgroup = p.cgroup_dir.valid() && p.cgroup_v2;
    long pid = try_clone3(ctx, into_cgroup, shared_memory, pidfd);
    if (pid < 0 && pid != -ENOSYS && into_cgroup) {
      // The kernel refused the cgroup (too old for CLONE_INTO_CGROUP, or a cgroup
      // that may not take processes): the child writes cgroup.procs instead, and
      // a refusal there is the usual "join cgroup" step error.
      into_cgroup = false;
      pid = try_clone3(ctx, false, shared_memory, pidfd);
    }
    if (pid > 0) {
      out.pid = static_cast<pid_t>(pid);
      out.pidfd.reset(pidfd);
      out.method = shared_memory ? SpawnMethod::Clone3Vfork : SpawnMethod::Clone3;
      out.in_cgroup = into_cgroup;
      out.slots_only = shared_memory && ctx.fds.unshare_from >= 0;
      return out;
    }
    if (pid != -ENOSYS) return Error::from_errno(static_cast<int>(-pid), "clone3 for " + p.exec_path);
    clone3_missing = true;
  }
  release_slots(ctx.fds);
  ctx.fds = ChildFds{};  // a forked child has its own copy of the table
  ctx.in_cgroup = false;
  pid_t pid = ::fork();
  if (pid == 0) run_child_setup(ctx);
  if (pid < 0) return errno_error("fork for " + p.exec_path);
  out.pid = pid;
  out.method = SpawnMethod::Fork;
  // Taken at once: while the child is unreaped its pid cannot be reused.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
  if (pidfd < 0) {
    int err = errno;
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Error::from_errno(err, "pidfd_open " + std::to_string(pid));
  }
  out.pidfd.reset(pidfd);
  return out;
}

}  // namespace corral::launch
