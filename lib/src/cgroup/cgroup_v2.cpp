// SPDX-License-Identifier: Apache-2.0
#include "corral/cgroup/cgroup_v2.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "corral/base/file_read.hpp"
#include "fs_util.hpp"

namespace corral::cgroup {

using namespace detail;

CgroupV2::CgroupV2(std::string root) : CgroupV2(std::move(root), Options{}) {}
CgroupV2::CgroupV2(std::string root, Options options)
    : root_(std::move(root)), options_(std::move(options)) {}

std::string CgroupV2::dir(const std::string& path) const { return root_ + "/" + path; }

bool CgroupV2::exists(const std::string& path) const {
  return path_exists(dir(path) + "/cgroup.procs");
}

Status CgroupV2::enable_controllers(const std::string& d) const {
  if (enabled_.count(d)) return {};
  auto avail = read_file(d + "/cgroup.controllers");
  if (!avail) return avail.error();
  std::string want;
  for (const auto& c : options_.controllers) {
    // Match whole words in the space-separated list.
    std::string padded = " " + trim(*avail) + " ";
    if (padded.find(" " + c + " ") == std::string::npos) continue;
    if (!want.empty()) want += ' ';
    want += "+" + c;
  }
  if (!want.empty())
    if (Status st = write_knob(d + "/cgroup.subtree_control", want); !st) return st;
  enabled_.insert(d);
  return {};
}

Status CgroupV2::create(const std::string& path) {
  if (auto st = check_path(path); !st) return st;
  // A child can use a controller only if every ancestor lists it in
  // cgroup.subtree_control, so enable them from the root down to the leaf's parent.
  // The leaf itself is left alone: a v2 group that enables controllers for children
  // may not hold processes ("no internal processes"), and services live in leaves.
  // Repeating the write is harmless, and covers a group that was once a leaf.
  std::string d = root_;
  if (auto st = enable_controllers(d); !st) return st;
  std::size_t pos = 0;
  for (;;) {
    std::size_t slash = path.find('/', pos);
    std::string part = path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (!part.empty()) {
      d += "/" + part;
      if (::mkdir(d.c_str(), 0755) == 0) {
        if (options_.after_mkdir) options_.after_mkdir(d);
      } else if (errno != EEXIST) {
        return errno_error("mkdir " + d);
      }
      if (slash != std::string::npos)
        if (auto st = enable_controllers(d); !st) return st;
    }
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return {};
}

Status CgroupV2::remove(const std::string& path) {
  if (auto st = check_path(path); !st) return st;
  std::string d = dir(path);
  if (!path_exists(d)) return {};
  for (const auto& child : subdirs(d))
    if (auto st = remove(path + "/" + child); !st) return st;
  if (options_.before_rmdir) options_.before_rmdir(d);
  if (::rmdir(d.c_str()) != 0) return errno_error("rmdir " + d);
  enabled_.erase(d);
  return {};
}

Status CgroupV2::attach(const std::string& path, pid_t pid) {
  return write_knob(dir(path) + "/cgroup.procs", std::to_string(pid));
}

Result<std::vector<pid_t>> CgroupV2::procs(const std::string& path) const {
  return read_pids(dir(path) + "/cgroup.procs");
}

Status CgroupV2::set_weight(const std::string& path, unsigned weight) {
  if (weight < 1 || weight > 10000)
    return Error::logic("weight " + std::to_string(weight) + " out of range 1..10000", EINVAL);
  return write_knob(dir(path) + "/cpu.weight", std::to_string(weight));
}

Status CgroupV2::set_cpu_max(const std::string& path, std::optional<CpuMax> max) {
  std::string v = max ? std::to_string(max->quota_us) + " " + std::to_string(max->period_us)
                      : std::string("max");
  return write_knob(dir(path) + "/cpu.max", v);
}

Status CgroupV2::set_memory_max(const std::string& path, std::optional<std::uint64_t> bytes) {
  return write_knob(dir(path) + "/memory.max", bytes ? std::to_string(*bytes) : "max");
}

Status CgroupV2::set_pids_max(const std::string& path, std::optional<std::uint64_t> n) {
  return write_knob(dir(path) + "/pids.max", n ? std::to_string(*n) : "max");
}

Status CgroupV2::set_cpus(const std::string& path, const std::string& cpu_list) {
  return write_knob(dir(path) + "/cpuset.cpus", cpu_list);
}

Result<bool> CgroupV2::frozen(const std::string& path) const {
  auto ev = read_file(dir(path) + "/cgroup.events");
  if (!ev) return ev.error();
  auto v = keyed_value(*ev, "frozen");
  if (!v) return Error::logic(dir(path) + "/cgroup.events: no \"frozen\" key", EINVAL);
  return *v == 1;
}

Status CgroupV2::wait_frozen(const std::string& path, bool want,
                             std::chrono::milliseconds timeout) const {
  Status last;
  bool ok = poll_until(
      [&] {
        auto f = frozen(path);
        if (!f) {
          last = f.error();
          return true;
        }
        return *f == want;
      },
      timeout, options_.poll_interval);
  if (!last) return last;
  if (!ok)
    return Error::logic(dir(path) + ": cgroup.events did not report frozen " +
                            (want ? "1" : "0") + " within " + std::to_string(timeout.count()) + " ms",
                        ETIMEDOUT);
  return {};
}

Status CgroupV2::freeze(const std::string& path, std::chrono::milliseconds timeout) {
  if (auto st = write_knob(dir(path) + "/cgroup.freeze", "1"); !st) return st;
  if (timeout.count() == 0) return {};
  return wait_frozen(path, true, timeout);
}

Status CgroupV2::thaw(const std::string& path, std::chrono::milliseconds timeout) {
  if (auto st = write_knob(dir(path) + "/cgroup.freeze", "0"); !st) return st;
  if (timeout.count() == 0) return {};
  return wait_frozen(path, false, timeout);
}

Status CgroupV2::kill(const std::string& path, std::chrono::milliseconds timeout) {
  std::string d = dir(path);
  auto empty = [&] {
    if (auto ev = read_file(d + "/cgroup.events"))
      if (auto pop = keyed_value(*ev, "populated"); pop && *pop == 1) return false;
    std::vector<pid_t> pids;
    collect_pids(d, pids);
    return pids.empty();
  };
  if (path_exists(d + "/cgroup.kill")) {
    // Kernel >= 5.14: one write kills the whole subtree, forks included.
    if (auto st = write_knob(d + "/cgroup.kill", "1"); !st) return st;
  } else {
    // Freeze first so no member can fork a new one between our reading of
    // cgroup.procs and the kill; a frozen v2 task still dies on SIGKILL.
    auto end = Clock::now() + timeout;
    auto left = [&] {
      return std::max(std::chrono::milliseconds(1),
                      std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()));
    };
    while (!empty()) {
      if (Clock::now() >= end) break;
      (void)freeze(path, left());  // best effort: a partial freeze still narrows the race
      std::vector<pid_t> pids;
      collect_pids(d, pids);
      for (pid_t p : pids) ::kill(p, SIGKILL);
      (void)thaw(path, left());
      poll_until(empty, std::min(left(), std::chrono::milliseconds(200)), options_.poll_interval);
    }
  }
  if (!poll_until(empty, timeout, options_.poll_interval))
    return Error::logic(d + ": members still present after kill (" + std::to_string(timeout.count()) +
                            " ms)",
                        ETIMEDOUT);
  return {};
}

Result<Usage> CgroupV2::usage(const std::string& path) const {
  std::string d = dir(path);
  Usage u;
  auto stat = read_file(d + "/cpu.stat");
  if (!stat) return stat.error();
  if (auto us = keyed_value(*stat, "usage_usec")) u.cpu_ns = *us * 1000;
  if (auto v = read_u64(d + "/memory.current")) u.memory_current = *v;
  if (auto v = read_u64(d + "/memory.peak")) u.memory_peak = *v;
  if (auto v = read_u64(d + "/pids.current")) u.pids_current = *v;
  auto psi = [&](const char* file, std::optional<Psi>& out) {
    if (auto t = read_file(d + "/" + file))
      if (auto p = parse_psi(*t)) out = *p;
  };
  psi("cpu.pressure", u.cpu_pressure);
  psi("memory.pressure", u.memory_pressure);
  psi("io.pressure", u.io_pressure);
  return u;
}

Result<Usage> CgroupV2::cpu_and_memory(const std::string& path, KeptFiles* kept) const {
  std::string d = dir(path);
  Usage u;
  auto stat = read_text(d + "/cpu.stat", kept);
  if (!stat) return stat.error();
  if (auto us = keyed_value(*stat, "usage_usec")) u.cpu_ns = *us * 1000;
  if (auto v = read_u64(d + "/memory.current", kept)) u.memory_current = *v;
  return u;
}

}  // namespace corral::cgroup
