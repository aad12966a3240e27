// SPDX-License-Identifier: Apache-2.0
// cgroup v1 backend: one directory per controller, each given as the directory under
// which corral's groups live (e.g. Cpu -> /sys/fs/cgroup/cpu/corral). Controllers
// that share a mount (cpu,cpuacct) may map to the same directory; each directory is
// then touched once.
#pragma once

#include <map>
#include <set>

#include "corral/cgroup/cgroup.hpp"
#include "corral/cgroup/layout.hpp"

namespace corral::cgroup {

class CgroupV1 final : public Cgroups {
 public:
  explicit CgroupV1(std::map<Controller, std::string> dirs, Mode mode = Mode::V1);

  const std::map<Controller, std::string>& dirs() const { return dirs_; }

  Mode mode() const override { return mode_; }
  std::string describe(const std::string& path) const override;
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
  // Directory of `path` under controller c, or an error if c is not mounted.
  Result<std::string> dir(Controller c, const std::string& path) const;
  std::vector<std::string> unique_dirs() const;  // each controller directory once
  Status set_state(const std::string& path, const char* state, std::chrono::milliseconds timeout);
  // Gives a new cpuset directory (under base) its parent's cpus and mems: empty
  // ones refuse tasks.
  Status fill_new_cpuset(const std::string& base, const std::string& dir);

  std::map<Controller, std::string> dirs_;
  Mode mode_;
  // cpuset directories whose cgroup.clone_children is on: the kernel copies their
  // cpus and mems into each new child itself.
  std::set<std::string> cloning_cpusets_;
};

}  // namespace corral::cgroup
