// SPDX-License-Identifier: Apache-2.0
// cgroup v2 backend: one unified tree under `root` (e.g. /sys/fs/cgroup/corral).
// The root is a parameter so unit tests drive this against a directory they build.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "corral/cgroup/cgroup.hpp"

namespace corral::cgroup {

class CgroupV2 final : public Cgroups {
 public:
  struct Options {
    // Controllers to enable in each parent's cgroup.subtree_control (those not listed
    // in its cgroup.controllers are skipped).
    std::vector<std::string> controllers{"cpu", "memory", "pids", "cpuset"};
    // Test hooks standing in for the kernel: called after mkdir (populate the knobs)
    // and before rmdir (remove them) of a group directory.
    std::function<void(const std::string& dir)> after_mkdir;
    std::function<void(const std::string& dir)> before_rmdir;
    std::chrono::milliseconds poll_interval{10};
  };

  explicit CgroupV2(std::string root);
  CgroupV2(std::string root, Options options);

  const std::string& root() const { return root_; }
  // Writes "+cpu +memory ..." (the available ones) into dir's cgroup.subtree_control.
  Status enable_controllers(const std::string& dir) const;

  Mode mode() const override { return Mode::V2; }
  std::string describe(const std::string& path) const override { return dir(path); }
  bool exists(const std::string& path) const override;
  Status create(const std::string& path) override;
  Status remove(const std::string& path) override;
  Status attach(const std::string& path, pid_t pid) override;
  Result<std::vector<pid_t>> procs(const std::string& path) const override;
  Status set_weight(const std::string& path, unsigned weight) override;
  Status set_cpu_max(const std::string& path, std::optional<CpuMax> max) override;
  Status set_memory_max(const std::string& path, std::optional<std::uint64_t> bytes) override;
  Status set_pids_max(const std::string& path, std::optional<std::uint64_t> n) override;
  Status set_cpus(const std::string& path, const std::string& cpu_list) override;
  Status freeze(const std::string& path, std::chrono::milliseconds timeout) override;
  Status thaw(const std::string& path, std::chrono::milliseconds timeout) override;
  Result<bool> frozen(const std::string& path) const override;
  Status kill(const std::string& path, std::chrono::milliseconds timeout) override;
  Result<Usage> usage(const std::string& path) const override;
  Result<Usage> cpu_and_memory(const std::string& path, KeptFiles* kept) const override;
  using Cgroups::cpu_and_memory;

 private:
  std::string dir(const std::string& path) const;
  Status wait_frozen(const std::string& path, bool want, std::chrono::milliseconds timeout) const;

  std::string root_;
  Options options_;
  // Directories whose cgroup.subtree_control this object has written: a create()
  // per service launch then costs one mkdir, not a read and a write per level
  // (cold start of 1,000 services). Forgotten when the directory is removed.
  mutable std::set<std::string> enabled_;
};

}  // namespace corral::cgroup
