// SPDX-License-Identifier: Apache-2.0
// Shared state of one scan: the process table read so far, the per-thread syscalls,
// and a lazily built index of every open file descriptor on the system.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "corral/waits/proc_locks.hpp"
#include "corral/waits/scan.hpp"

namespace corral::waits::detail {

// One thread as /proc/PID/task/TID/syscall shows it while it sleeps in a system call.
struct ThreadCall {
  pid_t tid = 0;
  long nr = -1;  // -1: running or not readable
  std::array<std::uint64_t, 6> args{};
};

struct FdEntry {
  pid_t pid = 0;
  int fd = -1;
  std::string target;  // the /proc/PID/fd/N link: "pipe:[123]", "/tmp/f", "socket:[..]"
};

class ScanContext {
 public:
  explicit ScanContext(const ScanOptions& opts) : opts_(opts) {}

  Snapshot snap;
  const ScanOptions& opts() const { return opts_; }

  // Reads /proc/PID/stat and the threads' syscalls once; false if the process is gone.
  bool load(pid_t pid);
  const std::vector<ThreadCall>& calls(pid_t pid) { return calls_[pid]; }
  // Queue a process for examination (holders found along the way).
  void want(pid_t pid);
  std::optional<pid_t> next();

  // Threads whose /proc/TID/syscall we may not read (not root, no ptrace permission).
  std::size_t unreadable() const { return unreadable_; }

  // Every fd of every process (built on first use).
  const std::vector<FdEntry>& all_fds();
  // The fds that are anonymous pipes, by pipe inode (built on first use, from
  // all_fds() if that exists, else by a pass that keeps only the pipes).
  const std::vector<const FdEntry*>& pipe_fds(std::uint64_t inode);
  // Cached /proc/PID/fdinfo/FD text ("" if unreadable).
  const std::string& fdinfo(pid_t pid, int fd);

  // The /proc/PID/fd/N link target, "" if unreadable.
  static std::string fd_target(pid_t pid, int fd);

 private:
  ScanOptions opts_;
  std::unordered_map<pid_t, std::vector<ThreadCall>> calls_;
  std::unordered_set<pid_t> queued_;
  std::deque<pid_t> queue_;
  void index_pipe_fds();
  std::optional<std::vector<FdEntry>> fds_;
  std::deque<FdEntry> pipe_store_;  // the pipe entries when fds_ was not built (stable addresses)
  std::optional<std::unordered_map<std::uint64_t, std::vector<const FdEntry*>>> pipes_;
  std::string buf_;  // reused for /proc reads
  std::size_t unreadable_ = 0;
  std::unordered_map<std::uint64_t, std::string> fdinfo_cache_;
};

// Every pid under /proc.
std::vector<pid_t> list_pids();
// Tgid of a thread id (0 if unknown).
pid_t tgid_of(pid_t tid);

// The sources; each adds resources, holds and waits to ctx.snap for process pid (or,
// for the global ones, prepares state used by the per-process part).
class LockSource {
 public:
  explicit LockSource(ScanContext& ctx);
  void examine(pid_t pid);

 private:
  void add_wait(pid_t pid, pid_t tid, const LockLine& want, const std::string& path, const std::string& how);
  std::vector<pid_t> holders_of(const LockLine& held);
  ScanContext& ctx_;
  std::vector<LockLine> locks_;
  std::unordered_map<pid_t, std::vector<std::size_t>> blocked_by_pid_;  // "->" lines with a pid
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> granted_by_inode_;  // the other lines
  bool ok_ = false;
};

void examine_pipes(ScanContext& ctx, pid_t pid);
void examine_mutexes(ScanContext& ctx, pid_t pid);

class RegistrySource {
 public:
  explicit RegistrySource(ScanContext& ctx);
  void examine(pid_t pid);

 private:
  struct PendingWait {
    pid_t tid;
    std::size_t resource;
    std::string what;
  };
  ScanContext& ctx_;
  std::unordered_map<pid_t, std::vector<PendingWait>> waits_;
  std::unordered_map<std::size_t, std::vector<std::pair<pid_t, std::string>>> holders_;
};

void add_sysv_notes(ScanContext& ctx);
void examine_sysv(ScanContext& ctx, pid_t pid);

}  // namespace corral::waits::detail
