// SPDX-License-Identifier: Apache-2.0
// corral's own table of named system-call groups. Each group is written from what
// its calls do (the man-2 description), not copied from another project's list.
// A member starting with '@' includes another group. Names are the kernel's names
// as libseccomp spells them; a name may exist on only some architectures (e.g.
// socketcall on i386, open on x86_64 but not aarch64): resolve.cpp accepts a name
// known on any of the architectures corral filters and skips it where it is absent.
#include "corral/seccomp/syscall_groups.hpp"

#include <algorithm>

namespace corral::seccomp {
namespace {

// Kept in name order so `corralctl syscalls` lists them sorted.
const SyscallGroup kGroups[] = {
    {"@aio", "asynchronous I/O: POSIX AIO and io_uring",
     {"io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup", "io_submit",
      "io_uring_enter", "io_uring_register", "io_uring_setup"}},
    {"@basic-io", "read, write, seek and close an already open descriptor",
     {"close", "close_range", "dup", "dup2", "dup3", "lseek", "_llseek", "pread64", "preadv", "preadv2", "pwrite64",
      "pwritev", "pwritev2", "read", "readv", "write", "writev"}},
    {"@chown", "change the owner or group of a file",
     {"chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32"}},
    {"@clock", "set the system clock",
     {"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday", "stime"}},
    {"@cpu-emulation", "legacy CPU modes: vm86 and the local descriptor table",
     {"modify_ldt", "vm86", "vm86old"}},
    {"@debug", "trace, inspect or profile other processes",
     {"kcmp", "lookup_dcookie", "perf_event_open", "pidfd_getfd", "process_madvise", "process_vm_readv",
      "process_vm_writev", "ptrace"}},
    {"@default", "always allowed in an allow list: exec, exit, signal return, time and futex waits",
     {"arch_prctl", "brk", "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
      "clock_nanosleep", "clock_nanosleep_time64", "execve", "execveat", "exit", "exit_group", "futex",
      "futex_time64", "futex_waitv", "get_robust_list", "get_thread_area", "getegid", "getegid32", "geteuid",
      "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getpgid", "getpgrp", "getpid", "getppid",
      "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getsid", "gettid",
      "gettimeofday", "getuid", "getuid32", "membarrier", "mmap", "mmap2", "mprotect", "munmap", "nanosleep",
      "pause", "prlimit64", "restart_syscall", "rseq", "rt_sigreturn", "sched_getaffinity", "sched_yield",
      "set_robust_list", "set_thread_area", "set_tid_address", "sigreturn", "time", "ugetrlimit",
      "uname"}},
    {"@file-system", "open, create, stat, rename, link and remove files and directories",
     {"access", "chdir", "chmod", "close", "creat", "faccessat", "faccessat2", "fallocate", "fchdir", "fchmod",
      "fchmodat", "fcntl", "fcntl64", "fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "fstat", "fstat64",
      "fstatat64", "fstatfs", "fstatfs64", "ftruncate", "ftruncate64", "futimesat", "getcwd", "getdents",
      "getdents64", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
      "lgetxattr", "link", "linkat", "listxattr", "llistxattr", "lremovexattr", "lsetxattr", "lstat", "lstat64",
      "mkdir", "mkdirat", "mknod", "mknodat", "newfstatat", "oldfstat", "oldlstat", "oldstat", "open", "openat",
      "openat2", "readlink", "readlinkat", "removexattr", "rename", "renameat", "renameat2", "rmdir", "setxattr",
      "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "truncate", "truncate64", "unlink",
      "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes"}},
    {"@io-event", "wait for events on many descriptors: select, poll, epoll, eventfd",
     {"_newselect", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2",
      "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "poll", "ppoll", "ppoll_time64", "pselect6",
      "pselect6_time64", "select"}},
    {"@ipc", "System V and POSIX IPC, pipes and process-to-process memory",
     {"ipc", "memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
      "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl", "msgget", "msgrcv",
      "msgsnd", "pipe", "pipe2", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "shmat", "shmctl",
      "shmdt", "shmget"}},
    {"@keyring", "the kernel's key retention service", {"add_key", "keyctl", "request_key"}},
    {"@memlock", "lock memory into RAM", {"mlock", "mlock2", "mlockall", "munlock", "munlockall"}},
    {"@module", "load and unload kernel modules",
     {"create_module", "delete_module", "finit_module", "init_module"}},
    {"@mount", "mount and unmount file systems, change the root",
     {"chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount", "open_tree",
      "pivot_root", "umount", "umount2"}},
    {"@network-io", "sockets: create, connect, accept, send and receive",
     {"accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen", "recv",
      "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg", "sendmsg", "sendto", "setsockopt",
      "shutdown", "socket", "socketcall", "socketpair"}},
    {"@obsolete", "calls no current kernel implements or nobody should use",
     {"_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime", "get_kernel_syms", "getpmsg", "gtty",
      "idle", "lock", "mpx", "prof", "profil", "putpmsg", "query_module", "security", "sgetmask", "ssetmask",
      "stty", "sysfs", "tuxcall", "ulimit", "uselib", "ustat", "vserver"}},
    {"@privileged", "calls that need a capability (CAP_SYS_ADMIN and friends)",
     {"@chown", "@clock", "@module", "@raw-io", "@reboot", "@swap", "_sysctl", "acct", "bpf", "capset", "chroot",
      "fanotify_init", "fanotify_mark", "nfsservctl", "open_by_handle_at", "pivot_root", "quotactl",
      "quotactl_fd", "setdomainname", "setfsuid", "setfsuid32", "setgroups", "setgroups32", "sethostname",
      "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32", "vhangup"}},
    {"@process", "create, wait for, signal and change processes and threads",
     {"capget", "clone", "clone3", "execveat", "fork", "getrusage", "kill", "pidfd_open", "pidfd_send_signal",
      "prctl", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns", "tgkill", "times", "tkill",
      "unshare", "vfork", "wait4", "waitid", "waitpid"}},
    {"@raw-io", "direct port and PCI access",
     {"ioperm", "iopl"}},
    {"@reboot", "reboot or load a new kernel", {"kexec_file_load", "kexec_load", "reboot"}},
    {"@resources", "change scheduling, priority, limits and memory placement",
     {"ioprio_set", "mbind", "migrate_pages", "move_pages", "nice", "sched_setaffinity", "sched_setattr",
      "sched_setparam", "sched_setscheduler", "set_mempolicy", "setpriority", "setrlimit"}},
    {"@setuid", "change user and group identities",
     {"setgid", "setgid32", "setgroups", "setgroups32", "setregid", "setregid32", "setresgid", "setresgid32",
      "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32"}},
    {"@signal", "install handlers, block and wait for signals",
     {"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend", "rt_sigtimedwait",
      "rt_sigtimedwait_time64", "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4", "sigpending",
      "sigprocmask", "sigsuspend"}},
    {"@swap", "turn swap space on or off", {"swapoff", "swapon"}},
    {"@sync", "flush file data to storage",
     {"fdatasync", "fsync", "msync", "sync", "sync_file_range", "sync_file_range2", "syncfs"}},
    {"@system-service", "a sensible allow set for an ordinary daemon",
     {"@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event", "@ipc", "@keyring", "@memlock",
      "@network-io", "@process", "@resources", "@setuid", "@signal", "@sync", "@timer", "capget", "capset",
      "copy_file_range", "fadvise64", "fadvise64_64", "flock", "get_mempolicy", "getcpu", "getpriority",
      "ioctl", "ioprio_get", "kcmp", "madvise", "mincore", "mremap", "name_to_handle_at", "personality",
      "readahead", "sched_get_priority_max", "sched_get_priority_min", "sched_getattr", "sched_getparam",
      "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64", "sendfile", "sendfile64",
      "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setpgid", "setsid", "splice", "sysinfo", "tee",
      "umask", "uname", "userfaultfd", "vmsplice"}},
    {"@timer", "arm and read timers",
     {"alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
      "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
      "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times"}},
};

}  // namespace

std::span<const SyscallGroup> syscall_groups() { return kGroups; }

const SyscallGroup* find_group(std::string_view name) {
  for (const auto& g : kGroups)
    if (g.name == name) return &g;
  return nullptr;
}

}  // namespace corral::seccomp
