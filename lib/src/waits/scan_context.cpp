// SPDX-License-Identifier: Apache-2.0
// The process table and fd index of one scan, read with plain /proc reads.
#include "scan_context.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "corral/base/file_read.hpp"

namespace corral::waits::detail {
namespace {

bool all_digits(const char* s) {
  if (!*s) return false;
  for (; *s; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}

std::vector<int> list_numeric(const std::string& dir) {
  std::vector<int> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* de = ::readdir(d))
    if (all_digits(de->d_name)) out.push_back(std::atoi(de->d_name));
  ::closedir(d);
  return out;
}

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

}  // namespace

std::vector<pid_t> list_pids() {
  auto v = list_numeric("/proc");
  return {v.begin(), v.end()};
}

pid_t tgid_of(pid_t tid) {
  std::string text;
  std::string path = "/proc/" + std::to_string(tid) + "/status";
  if (!read_file_at(AT_FDCWD, path.c_str(), text)) return 0;
  auto pos = text.find("\nTgid:");
  if (pos == std::string::npos) return 0;
  return static_cast<pid_t>(std::atoi(text.c_str() + pos + 6));
}

bool ScanContext::load(pid_t pid) {
  if (calls_.count(pid)) return true;
  const std::string dir = "/proc/" + std::to_string(pid);
  std::string& text = buf_;
  if (!read_file_at(AT_FDCWD, (dir + "/stat").c_str(), text)) return false;
  ProcessInfo info;
  info.pid = pid;
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= text.size()) return false;
  info.comm = text.substr(open + 1, close - open - 1);
  // Fields after comm: 3 state ... 14 utime 15 stime 18 priority 19 nice 20 threads 22 start.
  std::vector<std::string_view> f;
  std::string_view rest(text);
  rest.remove_prefix(close + 2);
  while (!rest.empty()) {
    auto sp = rest.find(' ');
    f.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  auto field = [&](std::size_t n) -> std::string_view { return n - 3 < f.size() ? f[n - 3] : std::string_view("0"); };
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
  // Only a sleeping task can be waiting; kernel threads hold nothing we can see.
  const bool may_wait = !kthread && (info.state == 'S' || info.state == 'D');

  std::vector<ThreadCall> calls;
  if (threads <= 1) {
    info.tids.push_back(pid);
    std::string& sc = buf_;
    Status st = may_wait ? read_file_at(AT_FDCWD, (dir + "/syscall").c_str(), sc) : Status(Error::logic("skip"));
    if (st) calls.push_back(parse_syscall(pid, sc));
    else calls.push_back(ThreadCall{pid, -1, {}});
    if (may_wait && !st && (st.error().code == EACCES || st.error().code == EPERM)) ++unreadable_;
  } else if (!kthread) {
    for (int tid : list_numeric(dir + "/task")) {
      info.tids.push_back(tid);
      std::string& sc = buf_;
      std::string path = dir + "/task/" + std::to_string(tid) + "/syscall";
      Status st = read_file_at(AT_FDCWD, path.c_str(), sc);
      if (!st && (st.error().code == EACCES || st.error().code == EPERM)) ++unreadable_;
      if (st) calls.push_back(parse_syscall(tid, sc));
      else calls.push_back(ThreadCall{tid, -1, {}});
    }
  }
  calls_[pid] = std::move(calls);
  snap.processes.push_back(std::move(info));
  return true;
}

void ScanContext::want(pid_t pid) {
  if (pid <= 0 || !queued_.insert(pid).second) return;
  queue_.push_back(pid);
}

std::optional<pid_t> ScanContext::next() {
  if (queue_.empty()) return std::nullopt;
  pid_t p = queue_.front();
  queue_.pop_front();
  return p;
}

std::string ScanContext::fd_target(pid_t pid, int fd) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, fd);
  char buf[4096];
  ssize_t n = ::readlink(path, buf, sizeof buf - 1);
  if (n < 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

const std::vector<FdEntry>& ScanContext::all_fds() {
  if (fds_) return *fds_;
  fds_.emplace();
  char buf[4096];
  for (pid_t pid : list_pids()) {
    const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) continue;
    DIR* d = ::fdopendir(dfd);
    if (!d) {
      ::close(dfd);
      continue;
    }
    while (dirent* de = ::readdir(d)) {
      if (!all_digits(de->d_name)) continue;
      ssize_t n = ::readlinkat(dfd, de->d_name, buf, sizeof buf - 1);
      if (n <= 0) continue;
      fds_->push_back({pid, std::atoi(de->d_name), std::string(buf, static_cast<std::size_t>(n))});
    }
    ::closedir(d);
  }
  return *fds_;
}

const std::vector<const FdEntry*>& ScanContext::pipe_fds(std::uint64_t inode) {
  if (!pipes_) {
    pipes_.emplace();
    if (fds_) {
      for (const auto& e : *fds_)
        if (e.target.rfind("pipe:[", 0) == 0) (*pipes_)[std::strtoull(e.target.c_str() + 6, nullptr, 10)].push_back(&e);
    } else {
      index_pipe_fds();
    }
  }
  static const std::vector<const FdEntry*> kNone;
  auto it = pipes_->find(inode);
  return it == pipes_->end() ? kNone : it->second;
}

// One pass over every process's fds that keeps only anonymous pipes: the link is
// read into a stack buffer and a string is made only for a pipe (issue 13: the
// full table made one string per fd of the system). Kernel threads have no fds.
void ScanContext::index_pipe_fds() {
  constexpr std::string_view kPipe = "pipe:[";
  char buf[64];
  char dir[48];
  alignas(8) char dents[16384];
  for (pid_t pid : list_pids()) {
    std::snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
    int dfd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) continue;
    // getdents64 on the fd itself: no fdopendir (its fcntl and fstat) per process.
    for (;;) {
      const long n = ::syscall(SYS_getdents64, dfd, dents, sizeof dents);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        const auto* de = reinterpret_cast<const dirent64*>(dents + off);
        off += de->d_reclen;
        if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN) continue;
        if (!all_digits(de->d_name)) continue;
        // Targets longer than the buffer are paths, never "pipe:[N]": readlinkat truncates them.
        ssize_t len = ::readlinkat(dfd, de->d_name, buf, sizeof buf);
        if (len <= static_cast<ssize_t>(kPipe.size()) || std::string_view(buf, kPipe.size()) != kPipe) continue;
        pipe_store_.push_back({pid, std::atoi(de->d_name), std::string(buf, static_cast<std::size_t>(len))});
      }
    }
    ::close(dfd);
  }
  for (const auto& e : pipe_store_) (*pipes_)[std::strtoull(e.target.c_str() + 6, nullptr, 10)].push_back(&e);
}

const std::string& ScanContext::fdinfo(pid_t pid, int fd) {
  const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32) |
                            static_cast<std::uint32_t>(fd);
  auto [it, fresh] = fdinfo_cache_.try_emplace(key);
  if (fresh) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", pid, fd);
    if (!read_file_at(AT_FDCWD, path, it->second)) it->second.clear();
  }
  return it->second;
}

}  // namespace corral::waits::detail
