// SPDX-License-Identifier: Apache-2.0
// One process's entry in the process table of a scan: /proc/PID/stat and the system
// call each thread sleeps in. Safe to call from several threads at once (all state is
// in the caller's buffer), so a full scan can read the table on every core.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>

#include "corral/base/dir_entries.hpp"
#include "../proc/proc_files.hpp"
#include "scan_context.hpp"

namespace corral::waits::detail {
namespace {

// "nr a0 a1 a2 a3 a4 a5 sp pc" or "running" / "-1 sp pc".
ThreadCall parse_syscall(pid_t tid, std::string_view text) {
  ThreadCall c;
  c.tid = tid;
  const char* p = text.data();
  const char* end = p + text.size();
  long nr = -1;
  auto r = std::from_chars(p, end, nr);
  if (r.ec != std::errc()) return c;
  c.nr = nr;
  p = r.ptr;
  for (auto& a : c.args) {
    while (p < end && *p == ' ') ++p;
    if (end - p > 2 && p[0] == '0' && p[1] == 'x') p += 2;
    auto rr = std::from_chars(p, end, a, 16);
    if (rr.ec != std::errc()) break;
    p = rr.ptr;
  }
  return c;
}

bool denied(int err) { return err == EACCES || err == EPERM; }

// The link of the fd a thread's call names, relative to /proc, while its /proc/PID
// dentries are hot: the sources would otherwise read each one later, one by one, on
// the calling thread (500 flock waiters are 500 readlinks of a full path).
void read_waited_fd_link(int proc_dir, pid_t pid, ThreadCall& c) {
  if (!call_names_an_fd(c)) return;
  char path[64];
  std::snprintf(path, sizeof path, "%d/fd/%d", pid, static_cast<int>(c.args[0]));
  char link[4096];
  const ssize_t n = ::readlinkat(proc_dir, path, link, sizeof link - 1);
  c.fd_link_read = true;
  if (n > 0) c.fd_link.assign(link, static_cast<std::size_t>(n));
}

// The syscall file of one thread: its call, or nr -1 when running or unreadable.
ThreadCall read_call(int proc_dir, const char* path, pid_t tid, std::string& buf, std::size_t& unreadable) {
  std::string_view text;
  if (int err = proc::detail::read_proc_file(proc_dir, path, buf, text); err != 0) {
    if (denied(err)) ++unreadable;
    return ThreadCall{tid, -1, {}, false, {}};
  }
  return parse_syscall(tid, text);
}

// Thread ids under /proc/PID/task, in the directory's order (getdents64 straight on
// the fd: no opendir's extra fcntl and fstat).
void list_tasks(int proc_dir, const char* dir, std::vector<pid_t>& out) {
  const int dfd = ::openat(proc_dir, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  for_each_dir_entry(dfd, [&](const dirent64& de) {
    pid_t tid = 0;
    const char* name = de.d_name;
    const char* end = name + std::char_traits<char>::length(name);
    auto r = std::from_chars(name, end, tid);
    if (r.ec == std::errc() && r.ptr == end && name[0] != '-' && name[0] != '+') out.push_back(tid);
  });
  ::close(dfd);
}

}  // namespace

bool call_names_an_fd(const ThreadCall& c) {
  switch (c.nr) {
    case kSysRead:
    case kSysWrite:
    case kSysReadv:
    case kSysWritev:
    case kSysFlock: return true;
    case kSysFcntl: return c.args[1] == kSetLkw || c.args[1] == kOfdSetLkw;
    default: return false;
  }
}

std::string waited_fd_link(pid_t pid, const ThreadCall& c) {
  if (c.fd_link_read) return c.fd_link;
  return ScanContext::fd_target(pid, static_cast<int>(c.args[0]));
}

bool read_process(int proc_dir, pid_t pid, std::string& buf, LoadedProcess& out, bool fd_links) {
  // Paths relative to /proc: the walk skips "/" and the mount crossing into procfs.
  char path[64];
  std::snprintf(path, sizeof path, "%d/stat", pid);
  std::string_view text;
  if (proc::detail::read_proc_file(proc_dir, path, buf, text) != 0) return false;
  ProcessInfo& info = out.info;
  info.pid = pid;
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close + 2 >= text.size()) return false;
  info.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields after comm: 3 state ... 9 flags, 14 utime 15 stime 18 priority 19 nice
  // 20 threads 22 start. A field the kernel does not print reads as "0".
  constexpr std::size_t kMaxField = 22;
  std::string_view f[kMaxField - 2];
  std::size_t count = 0;
  std::string_view rest = text.substr(close + 2);
  while (!rest.empty() && count < std::size(f)) {
    const auto sp = rest.find(' ');
    f[count++] = rest.substr(0, sp);
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  auto field = [&](std::size_t n) -> std::string_view { return n - 3 < count ? f[n - 3] : std::string_view("0"); };
  auto num = [&](std::size_t n) {
    long long v = 0;
    auto s = field(n);
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
  };
  info.state = field(3).empty() ? '?' : field(3)[0];
  info.cpu_ticks = static_cast<std::uint64_t>(num(14) + num(15));
  info.priority = static_cast<long>(num(18));
  info.nice = static_cast<long>(num(19));
  info.start_ticks = static_cast<std::uint64_t>(num(22));
  const long threads = static_cast<long>(num(20));
  constexpr unsigned long long kPfKthread = 0x00200000;
  const bool kthread = (static_cast<unsigned long long>(num(9)) & kPfKthread) != 0;
  // A kernel thread has no files; neither has an exited leader (exit_files() cleared
  // its table, and /proc/PID/fd lists that leader's table even if threads live on).
  out.no_files = kthread || info.state == 'Z' || info.state == 'X';
  // Only a sleeping task can be waiting; kernel threads hold nothing we can see.
  const bool may_wait = !kthread && (info.state == 'S' || info.state == 'D');

  if (threads <= 1) {
    info.tids.push_back(pid);
    if (may_wait) {
      std::snprintf(path, sizeof path, "%d/syscall", pid);
      out.calls.push_back(read_call(proc_dir, path, pid, buf, out.unreadable));
      if (fd_links) read_waited_fd_link(proc_dir, pid, out.calls.back());
    } else {
      out.calls.push_back(ThreadCall{pid, -1, {}, false, {}});
    }
  } else if (!kthread) {
    std::snprintf(path, sizeof path, "%d/task", pid);
    list_tasks(proc_dir, path, info.tids);
    for (pid_t tid : info.tids) {
      std::snprintf(path, sizeof path, "%d/task/%d/syscall", pid, tid);
      out.calls.push_back(read_call(proc_dir, path, tid, buf, out.unreadable));
      if (fd_links) read_waited_fd_link(proc_dir, pid, out.calls.back());
    }
  }
  return true;
}

}  // namespace corral::waits::detail
