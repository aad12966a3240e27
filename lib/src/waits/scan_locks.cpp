// SPDX-License-Identifier: Apache-2.0
// File locks: holders and blocked requests from /proc/locks; OFD locks (pid -1 there)
// resolved through /proc/PID/fdinfo "lock:" lines (holders) and the blocked
// fcntl(F_OFD_SETLKW) call in /proc/PID/syscall (waiters).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "corral/base/file_read.hpp"
#include "scan_context.hpp"

namespace corral::waits::detail {
namespace {

std::string range_text(std::uint64_t start, std::uint64_t end) {
  return std::to_string(start) + "-" + (end == kToEof ? std::string("EOF") : std::to_string(end));
}

std::string lock_text(const LockLine& l) {
  return std::string(to_string(l.cls)) + " " + (l.write ? "WRITE" : "READ") + " " + range_text(l.start, l.end);
}

// The struct flock a blocked fcntl(F_OFD_SETLKW) passed, turned into a LockLine.
std::optional<LockLine> read_flock_request(pid_t pid, std::uint64_t addr, std::uint64_t file_pos,
                                          const struct stat& st) {
  struct flock fl {};
  iovec local{&fl, sizeof fl};
  iovec remote{reinterpret_cast<void*>(addr), sizeof fl};
  if (::process_vm_readv(pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(sizeof fl)) return std::nullopt;
  LockLine l;
  l.blocked = true;
  l.cls = LockClass::kOfd;
  l.type_text = "OFDLCK";
  l.write = fl.l_type == F_WRLCK;
  l.pid = -1;
  l.major = major(st.st_dev);
  l.minor = minor(st.st_dev);
  l.inode = st.st_ino;
  std::int64_t start = fl.l_start;
  if (fl.l_whence == SEEK_CUR) start += static_cast<std::int64_t>(file_pos);
  else if (fl.l_whence != SEEK_SET) return std::nullopt;  // SEEK_END needs the size at the time
  if (fl.l_len < 0) {
    start += fl.l_len;
    l.end = static_cast<std::uint64_t>(start - fl.l_len - 1);
  } else {
    l.end = fl.l_len == 0 ? kToEof : static_cast<std::uint64_t>(start + fl.l_len - 1);
  }
  if (start < 0) return std::nullopt;
  l.start = static_cast<std::uint64_t>(start);
  return l;
}

std::uint64_t fdinfo_number(const std::string& fdinfo, const char* key, int base) {
  auto pos = fdinfo.find(key);
  if (pos == std::string::npos) return 0;
  return std::strtoull(fdinfo.c_str() + pos + std::strlen(key), nullptr, base);
}

bool same_lock(const LockLine& a, const LockLine& b) {
  return a.cls == b.cls && a.write == b.write && a.start == b.start && a.end == b.end && a.inode == b.inode &&
         a.major == b.major && a.minor == b.minor;
}

}  // namespace

LockSource::LockSource(ScanContext& ctx) : ctx_(ctx) {
  auto text = read_file("/proc/locks");
  if (!text) {
    ctx_.snap.notes.push_back("file locks not visible: " + text.error().message);
    return;
  }
  auto locks = parse_proc_locks(*text);
  if (!locks) {
    ctx_.snap.notes.push_back(locks.error().message);
    return;
  }
  locks_ = std::move(*locks);
  for (std::size_t i = 0; i < locks_.size(); ++i) {
    if (locks_[i].blocked && locks_[i].pid > 0) blocked_by_pid_[locks_[i].pid].push_back(i);
    if (!locks_[i].blocked) granted_by_inode_[locks_[i].inode].push_back(i);
  }
  ok_ = true;
}

std::vector<pid_t> LockSource::holders_of(const LockLine& held) {
  if (held.pid > 0) return {held.pid};
  // OFD lock: every process that has the open file description shows it in fdinfo.
  std::vector<pid_t> out;
  const std::string ino_key = "\nino:\t" + std::to_string(held.inode) + "\n";
  for (const auto& e : ctx_.all_fds()) {
    if (e.target.empty() || e.target[0] != '/') continue;
    const std::string& info = ctx_.fdinfo(e.pid, e.fd);
    if (info.find(ino_key) == std::string::npos) continue;
    for (const auto& l : parse_fdinfo_locks(info))
      if (same_lock(l, held)) {
        if (out.empty() || out.back() != e.pid) out.push_back(e.pid);
        break;
      }
  }
  return out;
}

void LockSource::add_wait(pid_t pid, pid_t tid, const LockLine& want, const std::string& path,
                          const std::string& how) {
  bool any = false;
  // Only the granted locks on the same inode can conflict (locks_conflict checks
  // the device too); in /proc/locks order, as before the index.
  auto same_inode = granted_by_inode_.find(want.inode);
  if (same_inode == granted_by_inode_.end()) return;
  for (std::size_t i : same_inode->second) {
    const LockLine& held = locks_[i];
    if (!locks_conflict(want, held)) continue;
    // POSIX locks of one process never conflict with each other.
    if (held.cls == LockClass::kPosix && want.cls == LockClass::kPosix && held.pid == pid) continue;
    Resource r;
    r.kind = ResourceKind::kFileLock;
    r.key = "lock:" + std::to_string(held.id) + ":" + std::to_string(held.inode) + ":" + std::to_string(held.start);
    char dev[32];
    std::snprintf(dev, sizeof dev, "%02x:%02x", held.major, held.minor);
    r.device = dev;
    r.inode = held.inode;
    r.path = path;
    r.start = held.start;
    r.end = held.end;
    r.lock_type = to_string(held.cls);
    r.access = held.write ? "WRITE" : "READ";
    r.label = (path.empty() ? std::string("?") : path) + " (inode " + dev + ":" + std::to_string(held.inode) +
              ") bytes " + range_text(held.start, held.end) + " " + r.lock_type + " " + r.access;
    r.holders_mode = WaitMode::kOr;  // an OFD lock can be released by any process sharing it
    const std::size_t before = ctx_.snap.resources.size();
    const std::size_t idx = ctx_.snap.add_resource(r);
    if (idx == before) {
      auto holders = holders_of(held);
      if (holders.empty())
        ctx_.snap.notes.push_back("holder of " + r.label + ": not visible");
      for (pid_t h : holders) {
        ctx_.snap.holds.push_back({h, idx, lock_text(held)});
        ctx_.want(h);
      }
    }
    ctx_.snap.waits.push_back({pid, tid, idx, how + " " + lock_text(want)});
    any = true;
  }
  (void)any;  // a request with no visible conflict is about to be granted: no edge
}

void LockSource::examine(pid_t pid) {
  if (!ok_) return;
  const auto& calls = ctx_.calls(pid);
  auto blocked_thread = [&](bool ofd) -> const ThreadCall* {
    for (const auto& c : calls) {
      if (c.nr == kSysFlock && !ofd) return &c;
      if (c.nr == kSysFcntl && c.args[1] == (ofd ? kOfdSetLkw : kSetLkw)) return &c;
    }
    return nullptr;
  };
  // FLOCK and POSIX requests name their process in /proc/locks.
  auto mine = blocked_by_pid_.find(pid);
  for (std::size_t i : mine == blocked_by_pid_.end() ? std::vector<std::size_t>{} : mine->second) {
    const LockLine& l = locks_[i];
    const ThreadCall* t = blocked_thread(false);
    std::string path = t ? waited_fd_link(pid, *t) : std::string();
    add_wait(pid, t ? t->tid : pid, l, path, l.cls == LockClass::kFlock ? "flock" : "F_SETLKW");
  }
  // OFD requests show pid -1: find them through the blocked fcntl call instead.
  for (const auto& c : calls) {
    if (c.nr != kSysFcntl || c.args[1] != kOfdSetLkw) continue;
    const int fd = static_cast<int>(c.args[0]);
    char link[64];
    std::snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, fd);
    struct stat st {};
    if (::stat(link, &st) != 0) continue;
    const std::string& info = ctx_.fdinfo(pid, fd);
    std::optional<LockLine> want = read_flock_request(pid, c.args[2], fdinfo_number(info, "pos:", 10), st);
    if (!want) {
      // Memory not readable: fall back to the only OFD waiter on that inode, if unique.
      const LockLine* only = nullptr;
      int n = 0;
      for (const auto& l : locks_)
        if (l.blocked && l.cls == LockClass::kOfd && l.inode == st.st_ino) {
          only = &l;
          ++n;
        }
      if (n != 1) {
        ctx_.snap.notes.push_back("pid " + std::to_string(pid) + " tid " + std::to_string(c.tid) +
                                  " waits for an OFD lock on inode " + std::to_string(st.st_ino) +
                                  ": range not visible");
        continue;
      }
      want = *only;
    }
    add_wait(pid, c.tid, *want, waited_fd_link(pid, c), "F_OFD_SETLKW");
  }
}

}  // namespace corral::waits::detail
