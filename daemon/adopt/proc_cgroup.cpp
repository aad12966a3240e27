// SPDX-License-Identifier: Apache-2.0
#include "proc_cgroup.hpp"

#include <cstdio>

#include "corral/cgroup/cgroup_v1.hpp"
#include "corral/persist/state_file.hpp"

namespace corral::daemon {

ServiceCgroupCheck::ServiceCgroupCheck(const cgroup::Cgroups& cg) {
  if (const auto* v1 = dynamic_cast<const cgroup::CgroupV1*>(&cg)) {
    // The hierarchy CgroupV1::procs reads.
    const auto& dirs = v1->dirs();
    auto it = dirs.find(cgroup::Controller::Freezer);
    if (it == dirs.end()) it = dirs.begin();
    if (it != dirs.end()) {
      ctl_ = std::string(cgroup::to_string(it->first));
      base_dir_ = it->second;
    }
  } else {
    base_dir_ = cg.describe("");  // the subtree's folder, with a '/' after it
  }
  while (base_dir_.size() > 1 && base_dir_.back() == '/') base_dir_.pop_back();
}

std::string read_proc_cgroup(pid_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/cgroup", static_cast<int>(pid));
  auto text = persist::read_proc_file(path);
  return text ? std::move(*text) : std::string();
}

}  // namespace corral::daemon
