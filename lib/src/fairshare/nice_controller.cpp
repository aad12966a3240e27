// SPDX-License-Identifier: Apache-2.0
#include "corral/fairshare/nice_controller.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "corral/base/file_read.hpp"
#include "corral/sched/pinner.hpp"

namespace corral::fairshare {

NiceController::NiceController(std::map<int, double> weights, NiceControllerOptions options)
    : options_(options), weights_(normalise_weights(weights)) {
  for (const auto& [g, w] : weights_) {
    state_.groups[g].weight = w;
    offsets_[g] = 0;
  }
}

double NiceController::offset(int group) const {
  auto it = offsets_.find(group);
  return it == offsets_.end() ? 0 : it->second;
}

double NiceController::decayed_share(int group) const {
  auto it = shares_.find(group);
  return it == shares_.end() ? 0 : it->second;
}

std::map<pid_t, int> NiceController::update(const std::map<pid_t, std::uint64_t>& cumulative,
                                            const std::map<pid_t, int>& group_of) {
  ++interval_;
  // Membership: add new processes, drop the ones that left.
  for (auto it = state_.procs.begin(); it != state_.procs.end();)
    it = group_of.count(it->first) ? std::next(it) : state_.procs.erase(it);
  std::map<pid_t, double> ticks;
  for (const auto& [pid, g] : group_of) {
    if (!weights_.count(g)) continue;  // unknown group: not ours to control
    auto [it, added] = state_.procs.try_emplace(pid, FssProc{g, options_.base_priority, 0, 0});
    it->second.group = g;
    auto c = cumulative.find(pid);
    if (c == cumulative.end()) continue;
    auto last = last_ticks_.find(pid);
    if (last != last_ticks_.end() && c->second >= last->second)
      ticks[pid] = double(c->second - last->second);
  }
  last_ticks_.clear();
  for (const auto& [pid, t] : cumulative)
    if (state_.procs.count(pid)) last_ticks_[pid] = t;

  state_ = fss_interval(std::move(state_), ticks);

  // Groups that have members this interval take part in the share comparison.
  std::map<int, std::vector<pid_t>> members;
  for (const auto& [pid, p] : state_.procs) members[p.group].push_back(pid);
  double total = 0, active_weight = 0;
  for (const auto& [g, m] : members) {
    total += state_.groups[g].gcpu;
    active_weight += weights_[g];
  }
  if (total > 0 && active_weight > 0) {
    for (const auto& [g, m] : members) {
      double target = weights_[g] / active_weight;  // idle groups' share is redistributed
      double share = state_.groups[g].gcpu / total;
      shares_[g] = share;
      if (target <= 0) continue;
      double err = std::log(std::max(share, 1e-3) / target) / std::log(1.25);
      if (options_.integral)
        offsets_[g] += options_.gain * std::clamp(err, -options_.max_step, options_.max_step);
      else
        offsets_[g] = err;
    }
    double lo = 1e18;
    for (const auto& [g, m] : members) lo = std::min(lo, offsets_[g]);
    double span = options_.max_nice - options_.base_nice;
    for (const auto& [g, m] : members) offsets_[g] = std::clamp(offsets_[g] - lo, 0.0, span);
  }

  std::map<pid_t, int> nice;
  for (auto& [g, m] : members) {
    double mean_p = 0, mean_cpu = 0;
    for (pid_t p : m) {
      mean_p += state_.procs[p].priority;
      mean_cpu += state_.procs[p].cpu;
    }
    mean_p /= double(m.size());
    mean_cpu /= double(m.size());
    std::size_t n = m.size();
    for (std::size_t i = 0; i < n; ++i) {
      pid_t p = m[i];
      // P_j - mean P = (CPU_j - mean CPU)/2; relative to the group's mean CPU/2.
      double rel = mean_cpu > 0 ? (state_.procs[p].priority - mean_p) / (mean_cpu / 2) : 0;
      double in_group = std::clamp(options_.in_group_gain * rel, -2.0, 2.0);
      double dither = (double((i + interval_) % n) + 0.5) / double(n);
      double v = options_.base_nice + offsets_[g] + in_group + dither;
      nice[p] = std::clamp(static_cast<int>(std::floor(v)), options_.base_nice, options_.max_nice);
    }
  }
  return nice;
}

Result<std::uint64_t> read_cpu_ticks(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  auto s = read_file(path);
  if (!s) return s.error();
  // comm may contain spaces and ')', so parse from the last ')'.
  std::size_t rp = s->rfind(')');
  if (rp == std::string::npos) return Error::logic(path + ": no ')' after comm", EINVAL);
  unsigned long long ut = 0, st = 0;
  if (std::sscanf(s->c_str() + rp + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                  &st) != 2)
    return Error::logic(path + ": cannot read utime/stime", EINVAL);
  return static_cast<std::uint64_t>(ut + st);
}

Status set_nice_all_threads(pid_t pid, int nice) {
  auto tids = sched::list_threads(pid);
  if (!tids) return tids.error();
  for (pid_t t : *tids)
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(t), nice) != 0 && errno != ESRCH)
      return errno_error("setpriority tid " + std::to_string(t) + " nice " + std::to_string(nice));
  return {};
}

}  // namespace corral::fairshare
