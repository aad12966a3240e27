// SPDX-License-Identifier: Apache-2.0
#include "corral/cgroup/cgroup_v1.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "corral/base/file_read.hpp"
#include "fs_util.hpp"

namespace corral::cgroup {

using namespace detail;
namespace {
constexpr std::chrono::milliseconds kPoll{10};
}

CgroupV1::CgroupV1(std::map<Controller, std::string> dirs, Mode mode)
    : dirs_(std::move(dirs)), mode_(mode) {}

Result<std::string> CgroupV1::dir(Controller c, const std::string& path) const {
  auto it = dirs_.find(c);
  if (it == dirs_.end())
    return Error::logic("cgroup v1 controller " + std::string(to_string(c)) + " is not mounted", ENODEV);
  return it->second + "/" + path;
}

std::vector<std::string> CgroupV1::unique_dirs() const {
  std::vector<std::string> out;
  for (const auto& [c, d] : dirs_)
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  return out;
}

std::string CgroupV1::describe(const std::string& path) const {
  auto d = dir(Controller::Cpu, path);
  return d ? *d : path;
}

bool CgroupV1::exists(const std::string& path) const {
  for (const auto& base : unique_dirs())
    if (!path_exists(base + "/" + path + "/cgroup.procs")) return false;
  return !dirs_.empty();
}

Status CgroupV1::create(const std::string& path) {
  if (auto st = check_path(path); !st) return st;
  auto cpuset = dirs_.find(Controller::Cpuset);
  for (const auto& base : unique_dirs()) {
    const bool is_cpuset = cpuset != dirs_.end() && cpuset->second == base;
    auto st = mkdir_each(base, path, [&](const std::string& d) -> Status {
      return is_cpuset ? fill_new_cpuset(base, d) : Status{};
    });
    if (!st) return st;
  }
  return {};
}

// A new v1 cpuset starts with empty cpus and mems, and attaching a task to it fails
// with ENOSPC until both are set. Copying them costs two reads and two writes, and
// a cpuset.cpus write makes the kernel revalidate the cpuset tree. With the
// parent's cgroup.clone_children on, the kernel copies them at mkdir instead (and
// the new directory inherits the flag), so the copy is done once per parent: one
// mkdir per service instead of five system calls and a revalidation.
Status CgroupV1::fill_new_cpuset(const std::string& base, const std::string& d) {
  const std::string parent = d.substr(0, d.rfind('/'));
  if (cloning_cpusets_.count(parent)) return {};
  auto flag = read_trimmed(parent + "/cgroup.clone_children");
  if (flag && *flag == "1") {
    cloning_cpusets_.insert(parent);
    return {};
  }
  for (const char* knob : {"cpuset.cpus", "cpuset.mems"}) {
    auto v = read_trimmed(parent + "/" + knob);
    if (!v) return v.error();
    if (auto w = write_knob(d + "/" + knob, *v); !w) return w;
  }
  // For the next child of parent: best effort, without it the copy above is done
  // again. Only inside corral's tree; its root may be shared with others.
  if (parent != base && write_knob(parent + "/cgroup.clone_children", "1")) cloning_cpusets_.insert(parent);
  return {};
}

namespace {
Status remove_tree(const std::string& d) {
  if (!path_exists(d)) return {};
  for (const auto& child : subdirs(d))
    if (auto st = remove_tree(d + "/" + child); !st) return st;
  if (::rmdir(d.c_str()) != 0) return errno_error("rmdir " + d);
  return {};
}
}  // namespace

Status CgroupV1::remove(const std::string& path) {
  if (auto st = check_path(path); !st) return st;
  // A directory made again later starts with the flag of its parent, not this one.
  std::erase_if(cloning_cpusets_, [&](const std::string& d) {
    for (const auto& base : unique_dirs()) {
      const std::string gone = base + "/" + path;
      if (d == gone || d.starts_with(gone + "/")) return true;
    }
    return false;
  });
  Status first;
  for (const auto& base : unique_dirs())
    if (auto st = remove_tree(base + "/" + path); !st && first) first = st;
  return first;
}

Status CgroupV1::attach(const std::string& path, pid_t pid) {
  // cpuset first: it is the one that can refuse (ENOSPC without cpus/mems).
  std::vector<std::string> order = unique_dirs();
  if (auto cs = dirs_.find(Controller::Cpuset); cs != dirs_.end()) {
    std::erase(order, cs->second);
    order.insert(order.begin(), cs->second);
  }
  for (const auto& base : order)
    if (auto st = write_knob(base + "/" + path + "/cgroup.procs", std::to_string(pid)); !st)
      return st;
  return {};
}

Result<std::vector<pid_t>> CgroupV1::procs(const std::string& path) const {
  auto d = dir(dirs_.count(Controller::Freezer) ? Controller::Freezer : dirs_.begin()->first, path);
  if (!d) return d.error();
  return read_pids(*d + "/cgroup.procs");
}

Status CgroupV1::set_weight(const std::string& path, unsigned weight) {
  if (weight < 1 || weight > 10000)
    return Error::logic("weight " + std::to_string(weight) + " out of range 1..10000", EINVAL);
  auto d = dir(Controller::Cpu, path);
  if (!d) return d.error();
  return write_knob(*d + "/cpu.shares", std::to_string(weight_to_shares(weight)));
}

Status CgroupV1::set_cpu_max(const std::string& path, std::optional<CpuMax> max) {
  auto d = dir(Controller::Cpu, path);
  if (!d) return d.error();
  if (!max) return write_knob(*d + "/cpu.cfs_quota_us", "-1");
  // Clear the quota before changing the period so no intermediate pair is rejected.
  if (auto st = write_knob(*d + "/cpu.cfs_quota_us", "-1"); !st) return st;
  if (auto st = write_knob(*d + "/cpu.cfs_period_us", std::to_string(max->period_us)); !st) return st;
  return write_knob(*d + "/cpu.cfs_quota_us", std::to_string(max->quota_us));
}

Status CgroupV1::set_memory_max(const std::string& path, std::optional<std::uint64_t> bytes) {
  auto d = dir(Controller::Memory, path);
  if (!d) return d.error();
  return write_knob(*d + "/memory.limit_in_bytes", bytes ? std::to_string(*bytes) : "-1");
}

Status CgroupV1::set_pids_max(const std::string& path, std::optional<std::uint64_t> n) {
  auto d = dir(Controller::Pids, path);
  if (!d) return d.error();
  return write_knob(*d + "/pids.max", n ? std::to_string(*n) : "max");
}

Status CgroupV1::set_cpus(const std::string& path, const std::string& cpu_list) {
  auto d = dir(Controller::Cpuset, path);
  if (!d) return d.error();
  return write_knob(*d + "/cpuset.cpus", cpu_list);
}

Result<bool> CgroupV1::frozen(const std::string& path) const {
  auto d = dir(Controller::Freezer, path);
  if (!d) return d.error();
  auto s = read_trimmed(*d + "/freezer.state");
  if (!s) return s.error();
  return *s == "FROZEN";
}

Status CgroupV1::set_state(const std::string& path, const char* state,
                           std::chrono::milliseconds timeout) {
  auto d = dir(Controller::Freezer, path);
  if (!d) return d.error();
  std::string file = *d + "/freezer.state";
  if (auto st = write_knob(file, state); !st) return st;
  if (timeout.count() == 0) return {};
  // Freezing passes through FREEZING until every task has stopped.
  std::string last;
  bool ok = poll_until(
      [&] {
        auto s = read_trimmed(file);
        last = s ? *s : s.error().message;
        return s && *s == state;
      },
      timeout, kPoll);
  if (!ok)
    return Error::logic(file + ": still \"" + last + "\" after " + std::to_string(timeout.count()) +
                            " ms (wanted " + state + ")",
                        ETIMEDOUT);
  return {};
}

Status CgroupV1::freeze(const std::string& path, std::chrono::milliseconds timeout) {
  return set_state(path, "FROZEN", timeout);
}

Status CgroupV1::thaw(const std::string& path, std::chrono::milliseconds timeout) {
  return set_state(path, "THAWED", timeout);
}

Status CgroupV1::kill(const std::string& path, std::chrono::milliseconds timeout) {
  auto d = dir(dirs_.count(Controller::Freezer) ? Controller::Freezer : dirs_.begin()->first, path);
  if (!d) return d.error();
  bool have_freezer = dirs_.count(Controller::Freezer) != 0;
  auto end = Clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()));
  };
  auto members = [&] {
    std::vector<pid_t> pids;
    collect_pids(*d, pids);
    return pids;
  };
  // v1 has no cgroup.kill. Freeze so nobody forks between reading the list and the
  // kill, send SIGKILL to every member, thaw so the frozen tasks can act on it, and
  // repeat until the group is empty (a task may have been mid-fork).
  while (!members().empty() && Clock::now() < end) {
    if (have_freezer) (void)freeze(path, left());
    for (pid_t p : members()) ::kill(p, SIGKILL);
    if (have_freezer) (void)thaw(path, left());
    poll_until([&] { return members().empty(); }, std::min(left(), std::chrono::milliseconds(500)), kPoll);
  }
  auto rest = members();
  if (!rest.empty())
    return Error::logic(*d + ": " + std::to_string(rest.size()) + " members left after kill (" +
                            std::to_string(timeout.count()) + " ms)",
                        ETIMEDOUT);
  return {};
}

Result<Usage> CgroupV1::usage(const std::string& path) const {
  Usage u;
  auto acct = dir(Controller::Cpuacct, path);
  if (!acct) return acct.error();
  auto ns = read_u64(*acct + "/cpuacct.usage");
  if (!ns) return ns.error();
  u.cpu_ns = *ns;
  if (auto m = dir(Controller::Memory, path)) {
    if (auto v = read_u64(*m + "/memory.usage_in_bytes")) u.memory_current = *v;
    if (auto v = read_u64(*m + "/memory.max_usage_in_bytes")) u.memory_peak = *v;
  }
  if (auto p = dir(Controller::Pids, path))
    if (auto v = read_u64(*p + "/pids.current")) u.pids_current = *v;
  // PSI under v1 exists only when the kernel was booted with psi=1 and cgroup1 PSI;
  // take the files from whichever hierarchy has them.
  auto psi = [&](const char* file, std::optional<Psi>& out) {
    for (const auto& base : unique_dirs())
      if (auto t = read_file(base + "/" + path + "/" + file))
        if (auto ps = parse_psi(*t)) {
          out = *ps;
          return;
        }
  };
  psi("cpu.pressure", u.cpu_pressure);
  psi("memory.pressure", u.memory_pressure);
  psi("io.pressure", u.io_pressure);
  return u;
}

Result<Usage> CgroupV1::cpu_and_memory(const std::string& path, KeptFiles* kept) const {
  Usage u;
  auto acct = dir(Controller::Cpuacct, path);
  if (!acct) return acct.error();
  auto ns = read_u64(*acct + "/cpuacct.usage", kept);
  if (!ns) return ns.error();
  u.cpu_ns = *ns;
  if (auto m = dir(Controller::Memory, path))
    if (auto v = read_u64(*m + "/memory.usage_in_bytes", kept)) u.memory_current = *v;
  return u;
}

}  // namespace corral::cgroup
