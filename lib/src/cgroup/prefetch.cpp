// SPDX-License-Identifier: Apache-2.0
#include "corral/cgroup/prefetch.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace corral::cgroup {

Prefetch::Prefetch(std::vector<Hierarchy> hierarchies, std::vector<std::string> paths, std::size_t window)
    : hierarchies_(std::move(hierarchies)), window_(window == 0 ? 1 : window) {
  entries_.reserve(paths.size());
  for (auto& p : paths) {
    if (index_.count(p)) continue;  // the launcher wants each cgroup once
    index_.emplace(p, entries_.size());
    entries_.push_back(Entry{std::move(p), State::kWaiting, {}});
  }
  if (!entries_.empty() && !hierarchies_.empty()) thread_ = std::thread([this] { run(); });
}

Prefetch::~Prefetch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<Prefetch::Files> Prefetch::take(const std::string& path) {
  auto it = index_.find(path);
  if (it == index_.end() || !thread_.joinable()) return std::nullopt;
  const std::size_t i = it->second;
  std::unique_lock lock(mutex_);
  if (i < taken_up_to_) return std::nullopt;  // passed over earlier, or taken already
  // The launcher has moved past the entries before i: let them go, so that the
  // thread's window moves on.
  for (std::size_t k = taken_up_to_; k < i; ++k) {
    Entry& e = entries_[k];
    if (e.state == State::kReady) --held_;
    e.files.clear();
    e.state = State::kGone;
  }
  taken_up_to_ = i + 1;
  changed_.notify_all();
  changed_.wait(lock, [&] { return entries_[i].state != State::kWaiting || stopping_; });
  Entry& e = entries_[i];
  std::optional<Files> out;
  if (e.state == State::kReady) {
    --held_;
    out = std::move(e.files);
  }
  e.state = State::kGone;
  changed_.notify_all();
  return out;
}

void Prefetch::run() {
  // SCHED_BATCH (this thread only): the launcher wakes this thread at every take(),
  // and a woken normal thread may preempt its waker. It did, at 7% of the
  // launcher's context switches; the launcher's own progress is what counts.
  sched_param batch{};
  (void)::sched_setscheduler(0, SCHED_BATCH, &batch);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    std::string path;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || held_ < window_ || i < taken_up_to_; });
      if (stopping_) return;
      if (entries_[i].state != State::kWaiting) continue;  // passed over: the launcher does not want it
      path = entries_[i].path;
    }
    Files files;
    const bool ok = prepare(path, files);
    {
      std::lock_guard lock(mutex_);
      Entry& e = entries_[i];
      if (e.state == State::kWaiting) {
        e.state = ok ? State::kReady : State::kFailed;
        if (ok) {
          e.files = std::move(files);
          ++held_;
        }
      }
    }
    changed_.notify_all();
  }
}

bool Prefetch::prepare(const std::string& path, Files& files) {
  files.reserve(hierarchies_.size());
  for (const Hierarchy& h : hierarchies_) {
    const std::string dir = h.dir + "/" + path;
    if (h.cpuset && !parent_clones(dir.substr(0, dir.rfind('/')))) return false;
    // An existing directory is fine: the launcher's own create() would keep it too.
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return false;
    Opened opened{UniqueFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)), UniqueFd()};
    if (!opened.dir) return false;
    opened.procs.reset(::openat(opened.dir.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC));
    if (!opened.procs) return false;
    files.push_back(std::move(opened));
  }
  return true;
}

bool Prefetch::parent_clones(const std::string& dir) {
  auto [it, fresh] = clones_.emplace(dir, false);
  if (!fresh) return it->second;
  char flag[4] = {};
  UniqueFd fd(::open((dir + "/cgroup.clone_children").c_str(), O_RDONLY | O_CLOEXEC));
  it->second = fd && ::read(fd.get(), flag, sizeof flag) > 0 && flag[0] == '1';
  return it->second;
}

}  // namespace corral::cgroup
