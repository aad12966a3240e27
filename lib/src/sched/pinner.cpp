// SPDX-License-Identifier: Apache-2.0
#include "corral/sched/pinner.hpp"

#include <dirent.h>
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "corral/base/cpu_list.hpp"

namespace corral::sched {

Result<std::vector<pid_t>> list_threads(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return errno_error("open " + dir);
  std::vector<pid_t> tids;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    pid_t t = 0;
    auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), t);
    if (ec == std::errc() && p == n.data() + n.size()) tids.push_back(t);
  }
  ::closedir(d);
  std::sort(tids.begin(), tids.end());
  // The main thread first even if TIDs wrapped around.
  auto main = std::find(tids.begin(), tids.end(), pid);
  if (main != tids.end()) std::rotate(tids.begin(), main, main + 1);
  return tids;
}

Status set_affinity(pid_t tid, const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus)
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
  if (::sched_setaffinity(tid, sizeof set, &set) != 0)
    return errno_error("sched_setaffinity tid " + std::to_string(tid) + " cpus " + format_cpu_list(cpus));
  return {};
}

Result<std::vector<int>> get_affinity(pid_t tid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(tid, sizeof set, &set) != 0)
    return errno_error("sched_getaffinity tid " + std::to_string(tid));
  std::vector<int> out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

Pinner::Pinner(pid_t pid, Placement placement) : pid_(pid), placement_(std::move(placement)) {}

// The first CPU in placement order that carries the fewest live placed threads:
// plain round-robin while threads only appear, and a slot freed by an exited thread
// is the next one reused.
int Pinner::next_cpu() const {
  if (placement_.order.empty()) return -1;
  std::map<int, unsigned> load;
  for (const auto& [tid, cpu] : placed_) ++load[cpu];
  // A CPU appearing k times in the order (more threads than CPUs wrap) counts k slots.
  int best = placement_.order.front();
  double best_load = 1e18;
  std::map<int, unsigned> seen;
  for (int c : placement_.order) {
    double l = double(load[c]) / double(std::count(placement_.order.begin(), placement_.order.end(), c));
    if (seen[c]++) continue;
    if (l < best_load) {
      best_load = l;
      best = c;
    }
  }
  return best;
}

Result<unsigned> Pinner::apply() {
  auto tids = list_threads(pid_);
  if (!tids) return tids.error();
  // Forget threads that have exited, so a recycled TID is placed afresh.
  for (auto it = placed_.begin(); it != placed_.end();)
    it = std::find(tids->begin(), tids->end(), it->first) != tids->end() ? std::next(it)
                                                                        : placed_.erase(it);
  unsigned n = 0;
  for (pid_t tid : *tids) {
    if (placed_.count(tid)) continue;
    int cpu = next_cpu();
    Status st = cpu < 0 ? set_affinity(tid, placement_.allowed) : set_affinity(tid, {cpu});
    if (!st) {
      if (st.error().code == ESRCH) continue;  // exited between listing and pinning
      return st.error();
    }
    placed_[tid] = cpu;
    ++n;
  }
  return n;
}

}  // namespace corral::sched
