// SPDX-License-Identifier: Apache-2.0
#include "corral/cgroup/setup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "corral/base/file_read.hpp"
#include "corral/cgroup/cgroup_v1.hpp"
#include "corral/cgroup/cgroup_v2.hpp"
#include "fs_util.hpp"

namespace corral::cgroup {

namespace {
std::string join(const std::string& mount, const std::string& own) {
  return own == "/" || own.empty() ? mount : mount + own;
}

Result<Opened> open_v2(Layout layout, const std::string& own, const SetupOptions& o) {
  std::string own_dir = join(layout.v2_mount, own);
  if (own != "/" && !own.empty()) {
    // Delegated (systemd Delegate=yes) or nested: own_dir may not enable controllers
    // for children while it holds a process, so move into a leaf first.
    std::string leaf = own_dir + "/supervisor";
    if (::mkdir(leaf.c_str(), 0755) == 0) {
      if (o.v2.after_mkdir) o.v2.after_mkdir(leaf);
    } else if (errno != EEXIST) {
      return errno_error("mkdir " + leaf);
    }
    pid_t self = o.self > 0 ? o.self : ::getpid();
    if (auto st = detail::write_knob(leaf + "/cgroup.procs", std::to_string(self)); !st) return st.error();
  }
  auto parent = std::make_unique<CgroupV2>(own_dir, o.v2);
  if (auto st = parent->create(o.name); !st) return st.error();
  Opened out;
  out.base = own_dir + "/" + o.name;
  out.cgroups = std::make_unique<CgroupV2>(out.base, o.v2);
  out.parent = std::move(parent);
  out.layout = std::move(layout);
  out.name = o.name;
  return out;
}

Result<Opened> open_v1(Layout layout, const std::map<std::string, std::string>& own,
                       const SetupOptions& o) {
  std::map<Controller, std::string> parent_dirs, dirs;
  for (const auto& [c, mount] : layout.v1_mounts) {
    auto it = own.find(std::string(to_string(c)));
    std::string here = join(mount, it == own.end() ? "/" : it->second);
    parent_dirs[c] = here;
    dirs[c] = here + "/" + o.name;
  }
  auto parent = std::make_unique<CgroupV1>(parent_dirs, layout.mode);
  if (auto st = parent->create(o.name); !st) return st.error();
  Opened out;
  out.base = dirs.count(Controller::Cpu) ? dirs[Controller::Cpu] : dirs.begin()->second;
  out.cgroups = std::make_unique<CgroupV1>(dirs, layout.mode);
  out.parent = std::move(parent);
  out.layout = std::move(layout);
  out.name = o.name;
  return out;
}
}  // namespace

Result<Opened> open_cgroups_in(const Layout& layout, const std::map<std::string, std::string>& own,
                               const SetupOptions& options) {
  if (auto st = detail::check_path(options.name); !st || options.name.find('/') != std::string::npos)
    return Error::logic("cgroup subtree name \"" + options.name + "\": must be one path component", EINVAL);
  if (layout.mode == Mode::V2) {
    auto it = own.find("");
    return open_v2(layout, it == own.end() ? "/" : it->second, options);
  }
  return open_v1(layout, own, options);
}

Result<Opened> open_cgroups(const SetupOptions& options) {
  auto layout = detect_layout();
  if (!layout) return layout.error();
  auto self = read_file("/proc/self/cgroup");
  if (!self) return self.error();
  return open_cgroups_in(*layout, parse_proc_cgroup(*self), options);
}

Status close_cgroups(Opened& opened) {
  if (!opened.parent) return {};
  auto st = opened.parent->remove(opened.name);
  if (st) opened.cgroups.reset();
  return st;
}

}  // namespace corral::cgroup
