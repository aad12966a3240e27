// SPDX-License-Identifier: Apache-2.0
// The process table and fd index of one scan, read with plain /proc reads.
#include "scan_context.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "../proc/proc_files.hpp"
#include "corral/base/file_read.hpp"
#include "parallel_slots.hpp"

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

void ScanContext::add_loaded(LoadedProcess&& p) {
  unreadable_ += p.unreadable;
  if (p.no_files) no_files_.insert(p.info.pid);
  calls_[p.info.pid] = std::move(p.calls);
  snap.processes.push_back(std::move(p.info));
}

bool ScanContext::load(pid_t pid) {
  if (calls_.count(pid)) return true;
  LoadedProcess p;
  if (!read_process(proc_dir_.get(), pid, buf_, p, wants_fd_links())) return false;
  add_loaded(std::move(p));
  return true;
}

void ScanContext::load_all(const std::vector<pid_t>& pids, const std::function<void()>& meanwhile) {
  // Our own process first, before any helper thread exists: read while it has helpers,
  // it would show them and their futex waits, which a one-thread scan never did.
  const pid_t self = ::getpid();
  std::vector<std::optional<LoadedProcess>> slots(pids.size());
  std::vector<std::string> bufs(scan_workers(pids.size()));
  for (std::size_t i = 0; i < pids.size(); ++i)
    if (pids[i] == self && !read_process(proc_dir_.get(), self, buf_, slots[i].emplace(), wants_fd_links())) slots[i].reset();
  for_each_index(pids.size(), static_cast<unsigned>(bufs.size()), [&](std::size_t i, unsigned worker) {
    if (pids[i] == self || calls_.count(pids[i])) return;
    if (!read_process(proc_dir_.get(), pids[i], bufs[worker], slots[i].emplace(), wants_fd_links())) slots[i].reset();
  }, meanwhile);
  // One allocation each for the thousands of entries the merge adds, not a rehash per
  // doubling.
  calls_.reserve(calls_.size() + pids.size());
  queued_.reserve(queued_.size() + pids.size());
  snap.processes.reserve(snap.processes.size() + pids.size());
  for (std::size_t i = 0; i < pids.size(); ++i) {
    if (slots[i] && !calls_.count(pids[i])) add_loaded(std::move(*slots[i]));
    want(pids[i]);
  }
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
      fds_->push_back({pid, std::atoi(de->d_name), std::string(buf, static_cast<std::size_t>(n)), -1});
    }
    ::closedir(d);
  }
  return *fds_;
}

void ScanContext::index_pipe_holders(std::unordered_set<std::uint64_t> inodes,
                                      std::unordered_set<std::string> fifo_paths) {
  holders_.emplace();
  holders_->inodes = std::move(inodes);
  holders_->fifo_paths = std::move(fifo_paths);
  run_holder_pass(*holders_);
}

// Every process under /proc (listed afresh: a holder may be younger than the table),
// less those known to hold no fds, read on all cores; merged in /proc order.
//
// After a full table the helpers start at once on the processes the table listed,
// while the calling thread lists /proc again; the few the new listing adds are read
// after, and only those it shows are merged, in its order: the same fds as listing
// first and then reading, without a listing on one core before the pass.
void ScanContext::run_holder_pass(PipeHolderIndex& index) {
  const FdLinkFilter filter{index.every_pipe, &index.inodes, &index.fifo_paths};
  std::vector<pid_t> known;  // read ahead, ascending
  if (opts_.pids.empty()) {
    for (const ProcessInfo& p : snap.processes)
      if (!no_files_.count(p.pid)) known.push_back(p.pid);
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
  }
  std::vector<std::vector<FdEntry>> known_slots(known.size());
  std::vector<pid_t> listed;
  for_each_index(
      known.size(), scan_workers(known.size()),
      [&](std::size_t i, unsigned) { read_fd_links(proc_dir_.get(), known[i], filter, known_slots[i]); },
      [&] { listed = list_pids(); });
  std::vector<pid_t> pids;
  for (pid_t pid : listed)
    if (!no_files_.count(pid)) pids.push_back(pid);
  // Each listed process's fds: read ahead, or (not in the table) now; the newcomers of
  // a full scan are few, a --pid scan reads them all here, on all cores.
  std::vector<std::vector<FdEntry>*> order(pids.size(), nullptr);
  std::vector<std::size_t> fresh;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    auto it = std::lower_bound(known.begin(), known.end(), pids[i]);
    if (it != known.end() && *it == pids[i]) order[i] = &known_slots[static_cast<std::size_t>(it - known.begin())];
    else fresh.push_back(i);
  }
  std::vector<std::vector<FdEntry>> fresh_slots(fresh.size());
  for_each_index(fresh.size(), scan_workers(fresh.size()), [&](std::size_t k, unsigned) {
    read_fd_links(proc_dir_.get(), pids[fresh[k]], filter, fresh_slots[k]);
  });
  for (std::size_t k = 0; k < fresh.size(); ++k) order[fresh[k]] = &fresh_slots[k];
  for (auto* slot : order)
    for (auto& e : *slot) {
      const FdEntry& kept = index.store.emplace_back(std::move(e));
      if (kept.target[0] == '/') index.fifos[kept.target].push_back(&kept);
      else index.pipes[std::strtoull(kept.target.c_str() + 6, nullptr, 10)].push_back(&kept);
    }
}

const std::vector<const FdEntry*>& ScanContext::pipe_fds(std::uint64_t inode) {
  if (!holders_ || !(holders_->every_pipe || holders_->inodes.count(inode))) {
    // Not covered (a --pid scan, or a waiter younger than the table): every pipe.
    std::unordered_set<std::string> fifo_paths;
    if (holders_) fifo_paths = std::move(holders_->fifo_paths);
    holders_.emplace();
    holders_->every_pipe = true;
    holders_->fifo_paths = std::move(fifo_paths);
    if (fds_) {
      for (const auto& e : *fds_)
        if (e.target.rfind("pipe:[", 0) == 0) holders_->pipes[std::strtoull(e.target.c_str() + 6, nullptr, 10)].push_back(&e);
        else if (holders_->fifo_paths.count(e.target)) holders_->fifos[e.target].push_back(&e);
    } else {
      run_holder_pass(*holders_);
    }
  }
  static const std::vector<const FdEntry*> kNone;
  auto it = holders_->pipes.find(inode);
  return it == holders_->pipes.end() ? kNone : it->second;
}

const std::vector<const FdEntry*>* ScanContext::fifo_fds(const std::string& path) {
  if (!holders_ || !holders_->fifo_paths.count(path)) return nullptr;
  static const std::vector<const FdEntry*> kNone;
  auto it = holders_->fifos.find(path);
  return it == holders_->fifos.end() ? &kNone : &it->second;
}

const std::string& ScanContext::fdinfo(pid_t pid, int fd) {
  const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32) |
                            static_cast<std::uint32_t>(fd);
  auto [it, fresh] = fdinfo_cache_.try_emplace(key);
  if (fresh) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", pid, fd);
    std::string_view text;
    if (proc::detail::read_proc_file(AT_FDCWD, path, buf_, text) == 0) it->second.assign(text);
  }
  return it->second;
}

}  // namespace corral::waits::detail
