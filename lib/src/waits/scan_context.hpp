// SPDX-License-Identifier: Apache-2.0
// Shared state of one scan: the process table read so far, the per-thread syscalls,
// and a lazily built index of every open file descriptor on the system.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "corral/base/unique_fd.hpp"
#include "corral/waits/proc_locks.hpp"
#include "corral/waits/scan.hpp"

namespace corral::waits::detail {

// The x86_64 system calls and fcntl commands the sources look for in
// /proc/PID/syscall (nr and args[1]).
inline constexpr long kSysRead = 0, kSysWrite = 1, kSysReadv = 19, kSysWritev = 20;
inline constexpr long kSysFcntl = 72, kSysFlock = 73;
inline constexpr std::uint64_t kSetLkw = 7, kOfdSetLkw = 38;  // F_SETLKW, F_OFD_SETLKW

// One thread as /proc/PID/task/TID/syscall shows it while it sleeps in a system call.
struct ThreadCall {
  pid_t tid = 0;
  long nr = -1;  // -1: running or not readable
  std::array<std::uint64_t, 6> args{};
  // For a call on an fd that a source looks at (read/write on a pipe, flock, fcntl
  // lock waits), the /proc/PID/fd/N link of args[0], read with the table on the
  // worker threads ("" when unreadable); fd_link_read says whether it was read.
  bool fd_link_read = false;
  std::string fd_link;
};

// Does a source look up the fd of this call (args[0])? read, write, readv, writev,
// flock, fcntl(F_SETLKW / F_OFD_SETLKW) on x86_64.
bool call_names_an_fd(const ThreadCall& c);
// The link of c's fd: the one read with the table, else read now ("" if unreadable).
std::string waited_fd_link(pid_t pid, const ThreadCall& c);

struct FdEntry {
  pid_t pid = 0;
  int fd = -1;
  std::string target;  // the /proc/PID/fd/N link: "pipe:[123]", "/tmp/f", "socket:[..]"
  // O_RDONLY, O_WRONLY or O_RDWR as the link's own mode shows it (see fd_access_mode),
  // -1 when not known: then fdinfo's flags tell.
  int access = -1;
};

// The access mode of an open fd from the lstat() of its /proc/PID/fd/N link: procfs
// gives the link S_IRUSR when the file is open for reading and S_IWUSR for writing
// (FMODE_READ, FMODE_WRITE), the same facts as O_ACCMODE of fdinfo's flags for pipes
// and FIFOs, and the dentry is hot from the readlink. -1 when neither bit is set (an
// O_PATH fd, or flags 3): fdinfo decides those as before.
int fd_access_mode(mode_t link_mode);

// What one process's /proc files said: its record, the call each thread sleeps in, and
// whether it can hold files at all.
struct LoadedProcess {
  ProcessInfo info;
  std::vector<ThreadCall> calls;
  bool no_files = false;        // kernel thread or exited leader: /proc/PID/fd is empty
  std::size_t unreadable = 0;   // threads whose syscall file was refused
};

// Reads /proc/PID/stat and its threads' syscalls into out (buf is scratch; proc_dir
// is an fd of /proc), and with fd_links the link of each fd a call names (see
// ThreadCall::fd_link); false if the process is gone. Thread-safe.
bool read_process(int proc_dir, pid_t pid, std::string& buf, LoadedProcess& out, bool fd_links);

// Which /proc/PID/fd links the holder search keeps: anonymous pipes (all of them, or
// those inodes) and FIFOs opened by one of these paths.
struct FdLinkFilter {
  bool every_pipe = false;
  const std::unordered_set<std::uint64_t>* inodes = nullptr;
  const std::unordered_set<std::string>* fifo_paths = nullptr;
};

// Appends pid's fds whose link the filter wants, in fd order (proc_dir: an fd of
// /proc). Thread-safe.
void read_fd_links(int proc_dir, pid_t pid, const FdLinkFilter& filter, std::vector<FdEntry>& out);

// Identity of a pipe or FIFO from a /proc/PID/fd link: "pipe:[123]" or a FIFO's path.
struct PipeId {
  std::string key;   // "pipe:123" or "fifo:maj:min:ino"
  std::string path;  // FIFO path, empty for anonymous pipes
  std::uint64_t inode = 0;
  std::string device;
};

// What the holder pass found: the fds on the pipes and FIFOs it was asked about.
// (At namespace scope: as a member class with default member initializers, clang
// could not tell std::optional that it is default-constructible.)
struct PipeHolderIndex {
  bool every_pipe = false;
  std::unordered_set<std::uint64_t> inodes;  // covered when !every_pipe
  std::unordered_set<std::string> fifo_paths;
  std::deque<FdEntry> store;  // entries of the pass (stable addresses)
  std::unordered_map<std::uint64_t, std::vector<const FdEntry*>> pipes;
  std::unordered_map<std::string, std::vector<const FdEntry*>> fifos;
};

class ScanContext {
 public:
  explicit ScanContext(const ScanOptions& opts)
      : opts_(opts), proc_dir_(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}

  Snapshot snap;
  const ScanOptions& opts() const { return opts_; }

  // Reads /proc/PID/stat and the threads' syscalls once; false if the process is gone.
  bool load(pid_t pid);
  // load() and want() for each of pids, in this order; the reading is spread over the
  // cores when there are many. meanwhile() runs on the calling thread while helper
  // threads read (it must not touch the table).
  void load_all(const std::vector<pid_t>& pids, const std::function<void()>& meanwhile = [] {});
  const std::vector<ThreadCall>& calls(pid_t pid) { return calls_[pid]; }
  // Queue a process for examination (holders found along the way).
  void want(pid_t pid);
  std::optional<pid_t> next();

  // Threads whose /proc/TID/syscall we may not read (not root, no ptrace permission).
  std::size_t unreadable() const { return unreadable_; }

  // Every fd of every process (built on first use).
  const std::vector<FdEntry>& all_fds();
  // One holder pass over every process that may hold files, keeping only the fds on
  // these pipe inodes and FIFO paths (the ones somebody waits on).
  void index_pipe_holders(std::unordered_set<std::uint64_t> inodes, std::unordered_set<std::string> fifo_paths);
  // The fds on the anonymous pipe `inode`, in process and fd order: from the holder
  // pass if it covered the inode, else from all_fds() if that exists, else from a
  // pass that keeps every pipe.
  const std::vector<const FdEntry*>& pipe_fds(std::uint64_t inode);
  // The fds open on the FIFO `path`; nullptr if no holder pass covered that path.
  const std::vector<const FdEntry*>* fifo_fds(const std::string& path);
  // Cached /proc/PID/fdinfo/FD text ("" if unreadable).
  const std::string& fdinfo(pid_t pid, int fd);

  // The /proc/PID/fd/N link target, "" if unreadable.
  static std::string fd_target(pid_t pid, int fd);

 private:
  ScanOptions opts_;
  UniqueFd proc_dir_;  // /proc: the table and fd passes open PID/... relative to it
  void add_loaded(LoadedProcess&& p);
  // Only the pipe and lock sources look at the fds that calls name.
  bool wants_fd_links() const { return opts_.pipes || opts_.locks; }
  void run_holder_pass(PipeHolderIndex& index);
  std::unordered_map<pid_t, std::vector<ThreadCall>> calls_;
  std::unordered_set<pid_t> no_files_;  // known to hold no fds: the holder pass skips them
  std::unordered_set<pid_t> queued_;
  std::deque<pid_t> queue_;
  std::optional<std::vector<FdEntry>> fds_;
  std::optional<PipeHolderIndex> holders_;
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

// Pipes and FIFOs. A full scan calls index_holders_of_waited() once the process
// table is read, so the holder search covers just the pipes that threads wait on.
class PipeSource {
 public:
  explicit PipeSource(ScanContext& ctx) : ctx_(ctx) {}
  void index_holders_of_waited();
  void examine(pid_t pid);

 private:
  // The pipe or FIFO that the fd of c (args[0]) is (nullopt if neither), looked up
  // once per scan.
  const std::optional<PipeId>& waited_pipe(pid_t pid, const ThreadCall& c);
  ScanContext& ctx_;
  std::unordered_map<std::uint64_t, std::optional<PipeId>> waited_;  // by pid << 32 | fd
};

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
