// SPDX-License-Identifier: Apache-2.0
// read_process / read_all: I/O around the pure parsers. Files are opened relative to
// a task's directory fd (threads) or as "PID/name" from /proc (O_NOFOLLOW), buffers
// are reused across processes, uid names cached. Large scans are split over worker
// threads with fd tables of their own, which close in batches. A task that vanishes
// mid-read is skipped by read_all.
#include "corral/proc/reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>

#include "corral/base/unique_fd.hpp"
#include "corral/proc/frozen_cgroups.hpp"
#include "corral/proc/parsers.hpp"
#include "corral/proc/state_map.hpp"
#include "corral/proc/user_names.hpp"
#include "proc_files.hpp"
#include "text_scan.hpp"

namespace corral::proc {
namespace {
using detail::is_vanished;
using detail::read_proc_file;

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Error vanished(pid_t pid) { return Error::logic("no process with pid " + std::to_string(pid), ESRCH); }

// Collects numeric entries of a /proc-like directory.
int list_numeric(int dirfd, std::vector<pid_t>& out) {
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return errno;
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    int e = errno;
    ::close(dup);
    return e;
  }
  ::rewinddir(dir);
  while (dirent* e = ::readdir(dir)) {
    pid_t id = 0;
    if (detail::to_number(std::string_view(e->d_name), id) && id > 0) out.push_back(id);
  }
  ::closedir(dir);
  return 0;
}

class Scanner {
 public:
  explicit Scanner(const ReadOptions& opts) : opts_(opts) {
    real_proc_ = opts_.proc_root == "/proc";
    self_tid_ = static_cast<pid_t>(::syscall(SYS_gettid));
    page_kib_ = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
  }

  Status open_root() {
    owned_root_.reset(::open(opts_.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!owned_root_) return errno_error("open " + opts_.proc_root);
    root_ = owned_root_.get();
    if (opts_.check_frozen && real_proc_) mounts_ = read_cgroup_mounts();
    return {};
  }

  // For a worker thread: read through its own fd table, whose root descriptor is the
  // table's (not owned here: this object may be destroyed on another thread, where
  // that number means something else). The worker's id is "self" for derive_state.
  void use_private_table(const detail::PrivateFdTable& table) {
    root_ = table.root();
    fds_ = table.policy();
    self_tid_ = static_cast<pid_t>(::syscall(SYS_gettid));
  }

  // Closes what a batched scan left open.
  void end_scan() { detail::close_batch(fds_); }

  // For read_all: one walk of the freezer hierarchies instead of a cgroup read per task.
  void build_frozen_index() {
    if (opts_.check_frozen && real_proc_) {
      frozen_ = FrozenIndex::scan(mounts_);
      use_index_ = true;
    }
  }

  int root() const { return root_; }

  // Reads process `pid` (and its threads when asked). Error code ESRCH = vanished.
  Status read_process(pid_t pid, Pcb& pcb) {
    char name[32];
    std::snprintf(name, sizeof name, "%d", static_cast<int>(pid));
    if (!opts_.threads) {
      // Without threads no directory fd is needed: the files are opened as "PID/stat"
      // from the root and the owner comes from fstatat, two system calls fewer per
      // process than opening and closing /proc/PID (issue 13, ps). As in procps, the
      // files of one process are then not pinned to one task: a PID reused between
      // two reads of the same record would mix them (the PID space must wrap first).
      prefix_len_ = std::strlen(name);
      std::memcpy(path_, name, prefix_len_);
      path_[prefix_len_++] = '/';
      Status st = read_task(root_, pid, pid, pcb, nullptr);
      prefix_len_ = 0;
      return st;
    }
    UniqueFd dir(::openat(root_, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
      if (is_vanished(errno)) return vanished(pid);
      return errno_error("open " + opts_.proc_root + "/" + name);
    }
    if (auto st = read_task(dir.get(), pid, pid, pcb, nullptr); !st) return st;
    if (opts_.threads) read_threads(dir.get(), pcb);
    return {};
  }

  // Second half of the Ready/Running sample: re-read schedstat of every R task once
  // `last_r_read_ns` + sample_ms has passed.
  void finish_sample(std::vector<Pcb*>& tasks, std::int64_t last_r_read_ns) {
    if (!opts_.sample_running) return;
    std::int64_t wait = last_r_read_ns + static_cast<std::int64_t>(opts_.sample_ms) * 1000000 - now_ns();
    if (wait > 0) {
      timespec ts{static_cast<time_t>(wait / 1000000000), static_cast<long>(wait % 1000000000)};
      while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
    }
    for (Pcb* p : tasks) {
      if (p->control.kernel_state != 'R' || p->control.state_sampled || p->control.frozen) continue;
      char path[64];
      if (p->id.pid == p->id.tgid)
        std::snprintf(path, sizeof path, "%d/schedstat", static_cast<int>(p->id.pid));
      else
        std::snprintf(path, sizeof path, "%d/task/%d/schedstat", static_cast<int>(p->id.tgid),
                      static_cast<int>(p->id.pid));
      std::string_view text;
      if (read_proc_file(root_, path, buf_, text, fds_) != 0) continue;
      auto ss = parse_schedstat(text);
      if (!ss) continue;
      RunSample sample;
      sample.run_time_delta_ns = ss->run_time_ns - std::min(ss->run_time_ns, p->control.run_time_ns);
      sample.run_delay_delta_ns = ss->run_delay_ns - std::min(ss->run_delay_ns, p->control.run_delay_ns);
      StateInputs in;
      in.kernel_state = 'R';
      in.sample = sample;
      StateVerdict v = derive_state(in);
      p->control.state = v.state;
      p->control.state_sampled = v.sampled;
      p->control.run_time_ns = ss->run_time_ns;
      p->control.run_delay_ns = ss->run_delay_ns;
    }
  }

  std::int64_t last_r_read_ns() const { return last_r_read_ns_; }
  bool sample_pending() const { return !pending_.empty(); }

 private:
  void read_threads(int dirfd, Pcb& pcb) {
    UniqueFd task(::openat(dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!task) return;
    tids_.clear();
    if (list_numeric(task.get(), tids_) != 0) return;
    std::sort(tids_.begin(), tids_.end());
    std::vector<pid_t> tids = tids_;
    pcb.threads.reserve(tids.size());
    for (pid_t tid : tids) {
      char name[32];
      std::snprintf(name, sizeof name, "%d", static_cast<int>(tid));
      UniqueFd tdir(::openat(task.get(), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!tdir) continue;  // the thread ended
      Pcb t;
      if (read_task(tdir.get(), tid, pcb.id.pid, t, &pcb)) pcb.threads.push_back(std::move(t));
    }
  }

  // One task directory (a process, or a thread when `process` is given).
  Status read_task(int dirfd, pid_t id, pid_t tgid, Pcb& pcb, const Pcb* process) {
    std::string_view text;
    // The owner comes from the stat file itself (fstat of the open descriptor: same
    // owner as /proc/PID) unless status gives the real ids.
    struct stat owner {};
    int err = read_proc_file(dirfd, at("stat"), buf_, text, fds_, opts_.status ? nullptr : &owner);
    if (err != 0) {
      if (is_vanished(err)) return vanished(id);
      return Error::from_errno(err, "read " + opts_.proc_root + "/" + std::to_string(id) + "/stat");
    }
    auto stat = parse_stat(text);
    if (!stat)
      return Error::logic(opts_.proc_root + "/" + std::to_string(id) + "/" + stat.error().message, EINVAL);
    const StatFields& s = *stat;

    PcbIdentification& ident = pcb.id;
    PcbControl& ctl = pcb.control;
    ident.pid = id;
    ident.tgid = tgid;
    ident.ppid = s.ppid;
    ident.pgid = s.pgrp;
    ident.sid = s.session;
    ident.comm.assign(s.comm);
    ident.kernel_thread = (s.flags & kPfKthread) != 0;
    pcb.cpu.last_cpu = s.processor;
    ctl.kernel_state = s.state;
    ctl.policy = static_cast<int>(s.policy);
    ctl.rt_priority = s.rt_priority;
    ctl.nice = static_cast<int>(s.nice);
    ctl.priority = static_cast<int>(s.priority);
    ctl.utime_ticks = s.utime;
    ctl.stime_ticks = s.stime;
    ctl.threads = s.num_threads;
    ctl.rss_kib = s.rss_pages * page_kib_;
    ctl.vsz_kib = s.vsize_bytes / 1024;
    ctl.start_time_ticks = s.starttime;
    const bool zombie = s.state == 'Z' || s.state == 'X';

    if (opts_.status) {
      err = read_proc_file(dirfd, at("status"), buf_, text, fds_);
      if (err != 0) {
        if (is_vanished(err)) return vanished(id);
      } else if (auto st = parse_status(text); st) {
        ident.uid = st->uid[0];
        ident.euid = st->uid[1];
        ident.gid = st->gid[0];
        ident.egid = st->gid[1];
        ctl.voluntary_ctxt = st->voluntary_ctxt;
        ctl.involuntary_ctxt = st->involuntary_ctxt;
        if (st->vm_rss_kib != 0) ctl.rss_kib = st->vm_rss_kib;
        if (auto cpus = parse_cpu_list(st->cpus_allowed_list); cpus) ctl.affinity = std::move(*cpus);
        ident.kernel_thread = ident.kernel_thread || st->kthread;
        ctl.privileges = PcbPrivileges{true,        st->seccomp_mode, st->seccomp_filters, st->no_new_privs,
                                       st->cap_eff, st->cap_prm,      st->cap_amb};
      } else {
        return Error::logic(opts_.proc_root + "/" + std::to_string(id) + "/" + st.error().message, EINVAL);
      }
    } else {
      ident.uid = ident.euid = owner.st_uid;
      ident.gid = ident.egid = owner.st_gid;
      ident.real_ids_known = false;
      if (opts_.privileges) {
        err = read_proc_file(dirfd, at("status"), buf_, text, fds_);
        if (err != 0 && is_vanished(err)) return vanished(id);
        if (err == 0) {
          if (auto st = parse_status(text); st)
            ctl.privileges = PcbPrivileges{true,        st->seccomp_mode, st->seccomp_filters, st->no_new_privs,
                                           st->cap_eff, st->cap_prm,      st->cap_amb};
        }
      }
    }
    if (opts_.user_names) {
      if (process != nullptr && process->id.uid == ident.uid)
        ident.user = process->id.user;
      else
        ident.user = users_.name(ident.uid);
    }

    const bool sampling = opts_.sample_running && s.state == 'R';
    if (opts_.schedstat || sampling) {
      if (read_proc_file(dirfd, at("schedstat"), buf_, text, fds_) == 0) {
        if (auto ss = parse_schedstat(text); ss) {
          ctl.run_time_ns = ss->run_time_ns;
          ctl.run_delay_ns = ss->run_delay_ns;
        }
      }
      if (sampling) last_r_read_ns_ = now_ns();
    }

    // A runnable task has no wchan (the kernel prints 0), so R skips the read.
    if (opts_.wchan && !zombie && s.state != 'R') {
      if (read_proc_file(dirfd, at("wchan"), buf_, text, fds_) == 0) ctl.wchan.assign(parse_wchan(text));
    }

    // Frozen: from the index (read_all) or from this task's own cgroup file.
    if (opts_.cgroups || (opts_.check_frozen && real_proc_ && !use_index_)) {
      if (read_proc_file(dirfd, at("cgroup"), buf_, text, fds_) == 0) ctl.cgroups = parse_cgroup(text);
    }
    if (opts_.check_frozen && real_proc_ && !zombie && !ident.kernel_thread) {
      ctl.frozen = use_index_ ? frozen_.contains(id) : cgroup_lines_frozen(ctl.cgroups, mounts_);
      if (!opts_.cgroups) ctl.cgroups.clear();
    }

    const bool needs_syscall = s.state == 'T' || s.state == 't' || ctl.frozen;
    if ((opts_.syscall || needs_syscall) && !ident.kernel_thread && !zombie) {
      if (read_proc_file(dirfd, at("syscall"), buf_, text, fds_) == 0) {
        if (auto sc = parse_syscall(text); sc) {
          pcb.cpu.syscall_readable = true;
          if (sc->kind != SyscallInfo::Kind::Running) {
            pcb.cpu.syscall_nr = sc->nr;
            pcb.cpu.stack_pointer = sc->stack_pointer;
            pcb.cpu.program_counter = sc->program_counter;
          }
          if (sc->kind == SyscallInfo::Kind::InSyscall && s.state != 'R') ctl.blocked_syscall = sc->nr;
        }
      }
    }

    if (process != nullptr) {
      // Threads share the process's image, files and name.
      ident.cmdline = process->id.cmdline;
      ident.exe = process->id.exe;
      ctl.open_fds = process->control.open_fds;
    } else {
      if (opts_.cmdline && !zombie && !ident.kernel_thread) {  // both have an empty cmdline
        if (read_proc_file(dirfd, at("cmdline"), buf_, text, fds_) == 0) ident.cmdline = parse_cmdline(text);
      }
      if (opts_.exe && !zombie && !ident.kernel_thread) {
        char target[4096];
        ssize_t n = ::readlinkat(dirfd, at("exe"), target, sizeof target);
        if (n > 0) ident.exe.assign(target, static_cast<std::size_t>(n));
      }
      if (opts_.fds && !zombie) {
        long n = detail::count_dir_entries(dirfd, at("fd"));
        ctl.open_fds = n >= 0 ? static_cast<int>(n) : -1;
      }
    }

    StateInputs in;
    in.kernel_state = s.state;
    in.frozen = ctl.frozen;
    in.syscall_nr = pcb.cpu.syscall_nr;
    in.wchan = ctl.wchan;
    in.is_self = real_proc_ && id == self_tid_;
    StateVerdict v = derive_state(in);
    ctl.state = v.state;
    ctl.state_sampled = v.sampled;
    if (sampling && !v.sampled) pending_.push_back(id);
    return {};
  }

  // A file of the task being read: "name" relative to its directory fd, or
  // "PID/name" relative to the root when read_process reads without one.
  const char* at(const char* name) {
    if (prefix_len_ == 0) return name;
    const std::size_t n = std::strlen(name);
    if (prefix_len_ + n >= sizeof path_) return name;  // cannot happen: PIDs are short
    std::memcpy(path_ + prefix_len_, name, n + 1);
    return path_;
  }

  ReadOptions opts_;
  char path_[64] = {};
  std::size_t prefix_len_ = 0;
  bool real_proc_ = true;
  pid_t self_tid_ = 0;
  std::uint64_t page_kib_ = 4;
  UniqueFd owned_root_;
  int root_ = -1;
  detail::FdPolicy fds_;  // shared: close each file; batched in a worker's own fd table
  std::string buf_;
  UserNames users_;
  CgroupMounts mounts_;
  FrozenIndex frozen_;
  bool use_index_ = false;
  std::vector<pid_t> tids_;
  std::vector<pid_t> pending_;  // R tasks awaiting the second sample read
 public:
  // Shares the frozen index of another scanner (parallel workers walk the freezer once).
  void share_frozen(const Scanner& other) {
    frozen_ = other.frozen_;
    mounts_ = other.mounts_;
    use_index_ = other.use_index_;
  }

 private:
  std::int64_t last_r_read_ns_ = 0;
};

void collect_tasks(std::vector<Pcb>& pcbs, std::vector<Pcb*>& out) {
  for (Pcb& p : pcbs) {
    out.push_back(&p);
    for (Pcb& t : p.threads) out.push_back(&t);
  }
}
}  // namespace

Result<Pcb> read_process(pid_t pid, const ReadOptions& opts) {
  if (pid <= 0) return Error::logic("no process with pid " + std::to_string(pid), ESRCH);
  Scanner scanner(opts);
  if (auto st = scanner.open_root(); !st) return st.error();
  Pcb pcb;
  if (auto st = scanner.read_process(pid, pcb); !st) return st.error();
  if (scanner.sample_pending()) {
    std::vector<Pcb*> tasks;
    tasks.push_back(&pcb);
    for (Pcb& t : pcb.threads) tasks.push_back(&t);
    scanner.finish_sample(tasks, scanner.last_r_read_ns());
  }
  return pcb;
}

namespace {
// Reads pids[begin, end) into out[begin, end) in place; a vanished one is left
// with pid 0 (read_all drops those), whatever the reader had filled in before.
Status scan_range(Scanner& scanner, const std::vector<pid_t>& pids, std::size_t begin, std::size_t end,
                  std::vector<Pcb>& out, pid_t skip = 0) {
  for (std::size_t i = begin; i < end; ++i) {
    if (pids[i] == skip) continue;
    auto st = scanner.read_process(pids[i], out[i]);
    if (!st) {
      out[i].id.pid = 0;
      if (st.error().code == ESRCH) continue;  // exited while we scanned
      return st;
    }
  }
  return {};
}

// A worker thread's scan: its own fd table when the kernel lets it have one
// (closes batched), else the program's table and its own root descriptor.
Status scan_in_own_fd_table(Scanner& scanner, const ReadOptions& opts, const std::vector<pid_t>& pids,
                            std::size_t begin, std::size_t end, std::vector<Pcb>& out, pid_t skip) {
  detail::PrivateFdTable table(opts.proc_root.c_str());
  if (table.error() != 0) return Error::from_errno(table.error(), "open " + opts.proc_root);
  if (table.root() >= 0) {
    scanner.use_private_table(table);
  } else if (auto st = scanner.open_root(); !st) {
    return st;
  }
  Status st = scan_range(scanner, pids, begin, end, out, skip);
  scanner.end_scan();
  return st;
}

unsigned worker_count(const ReadOptions& opts, std::size_t n) {
  if (opts.workers > 0) return static_cast<unsigned>(opts.workers);
  // Reading /proc is kernel work per file; on a busy machine a second reader thread
  // roughly halves the wall time. Small scans are not worth a thread.
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  return n < 256 ? 1u : std::min({hw, 4u, static_cast<unsigned>(n / 128)});
}
}  // namespace

Result<std::vector<Pcb>> read_all(const ReadOptions& opts) {
  Scanner main_scanner(opts);
  if (auto st = main_scanner.open_root(); !st) return st.error();
  main_scanner.build_frozen_index();
  std::vector<pid_t> pids;
  pids.reserve(1024);
  if (int err = list_numeric(main_scanner.root(), pids); err != 0)
    return Error::from_errno(err, "list " + opts.proc_root);
  std::sort(pids.begin(), pids.end());

  // One record per listed PID, filled in place by the readers and compacted at the
  // end. (A vector of optional records moved into a second vector wrote every record
  // twice into fresh memory: 1,000 page faults more for 4,000 processes, and on the
  // build machine's VM a first touch of a page costs more than reading a /proc file.)
  std::vector<Pcb> pcbs(pids.size());
  const unsigned workers = worker_count(opts, pids.size());
  std::int64_t last_r_read = 0;
  bool pending = false;
  if (workers <= 1) {
    if (auto st = scan_range(main_scanner, pids, 0, pids.size(), pcbs); !st) return st.error();
    last_r_read = main_scanner.last_r_read_ns();
    pending = main_scanner.sample_pending();
  } else {
    // Contiguous chunks, each read by a thread of ours with its own fd table (its
    // closes batched, see PrivateFdTable). The calling thread reads only our own
    // process, first: it is then on a CPU, as the record will say, not waiting in join.
    const pid_t self = opts.proc_root == "/proc" ? ::getpid() : 0;
    auto self_it = std::lower_bound(pids.begin(), pids.end(), self);
    const bool self_listed = self != 0 && self_it != pids.end() && *self_it == self;
    std::vector<std::unique_ptr<Scanner>> scanners;
    std::vector<Status> results(workers);
    std::vector<std::thread> threads;
    const std::size_t chunk = (pids.size() + workers - 1) / workers;
    for (unsigned w = 0; w < workers; ++w) {
      scanners.push_back(std::make_unique<Scanner>(opts));
      scanners.back()->share_frozen(main_scanner);
    }
    for (unsigned w = 0; w < workers; ++w) {
      std::size_t begin = std::min(pids.size(), w * chunk), end = std::min(pids.size(), begin + chunk);
      threads.emplace_back([&, w, begin, end] {
        results[w] = scan_in_own_fd_table(*scanners[w], opts, pids, begin, end, pcbs, self_listed ? self : 0);
      });
    }
    Status self_result;
    if (self_listed) {
      auto i = static_cast<std::size_t>(self_it - pids.begin());
      self_result = scan_range(main_scanner, pids, i, i + 1, pcbs);
    }
    for (auto& t : threads) t.join();
    if (!self_result) return self_result.error();
    for (unsigned w = 0; w < workers; ++w)
      if (!results[w]) return results[w].error();
    last_r_read = main_scanner.last_r_read_ns();
    pending = main_scanner.sample_pending();
    for (const auto& sc : scanners) {
      last_r_read = std::max(last_r_read, sc->last_r_read_ns());
      pending = pending || sc->sample_pending();
    }
  }

  pcbs.erase(std::remove_if(pcbs.begin(), pcbs.end(), [](const Pcb& p) { return p.id.pid == 0; }), pcbs.end());
  if (pending) {
    std::vector<Pcb*> tasks;
    collect_tasks(pcbs, tasks);
    main_scanner.finish_sample(tasks, last_r_read);
  }
  return pcbs;
}

}  // namespace corral::proc
