// SPDX-License-Identifier: Apache-2.0
// corral::cgroup::Prefetch: makes the cgroups of services about to be launched, and
// opens their cgroup.procs files, on a thread of its own, ahead of the launcher.
//
// Why: at a cold start corrald launches every service in a row, and on cgroup v1
// each one needs a directory in every hierarchy (six here) and the cgroup.procs file
// of each. In a profile of 1,000 launches the mkdirs were 35% of corrald's time and
// the opens of those new files 17%: kernfs makes each new node's inode at the first
// lookup. None of it depends on the launch before, so a second core can do it while
// the launcher forks; the launcher then only writes pids into files already open.
//
// The paths are taken in the order the launcher will want them, at most `window`
// ahead of it (each prepared path holds one fd per hierarchy). take() hands a path's
// files over, waiting for the thread if it has not reached that path yet. Anything
// the thread could not do it leaves undone, and take() says so with nullopt: the
// caller then makes the cgroup as it always did and reports the error itself. A
// path take() passed over is let go (its directories stay, its files are closed).
//
// Only plain mkdir and open happen here, never a write: a v1 cpuset is made only
// under a parent whose cgroup.clone_children is 1 (the kernel copies cpus and mems
// into it), which the caller arranges beforehand (CgroupV1::clone_cpusets_under).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "corral/base/unique_fd.hpp"

namespace corral::cgroup {

class Prefetch {
 public:
  struct Hierarchy {
    std::string dir;      // where the paths live, e.g. /sys/fs/cgroup/cpu/corral
    bool cpuset = false;  // v1 cpuset: only under a parent that clones cpus and mems
  };
  // A path's directory (O_PATH) and its cgroup.procs (for writing) in one hierarchy.
  struct Opened {
    UniqueFd dir;
    UniqueFd procs;
  };
  using Files = std::vector<Opened>;  // one per hierarchy, in the order given

  Prefetch(std::vector<Hierarchy> hierarchies, std::vector<std::string> paths, std::size_t window = 16);
  ~Prefetch();  // stops the thread; closes what was not taken
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  std::optional<Files> take(const std::string& path);

 private:
  enum class State { kWaiting, kReady, kFailed, kGone };
  struct Entry {
    std::string path;
    State state = State::kWaiting;
    Files files;
  };
  void run();
  bool prepare(const std::string& path, Files& files);  // on the thread, without the lock
  bool parent_clones(const std::string& dir);           // on the thread

  const std::vector<Hierarchy> hierarchies_;
  const std::size_t window_;
  std::vector<Entry> entries_;
  std::map<std::string, std::size_t> index_;  // path -> entry
  std::map<std::string, bool> clones_;        // the thread's: parent dir -> clone_children is 1

  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t taken_up_to_ = 0;  // entries before this one are taken or let go
  std::size_t held_ = 0;         // ready entries not taken yet (each holds files)
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace corral::cgroup
