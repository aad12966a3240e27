// SPDX-License-Identifier: Apache-2.0
// Victim selection for deadlock recovery.
#include "corral/waits/victim.hpp"

#include <algorithm>
#include <tuple>

namespace corral::waits {

std::optional<VictimChoice> choose_victim(const Snapshot& snap, const Deadlock& deadlock,
                                          const std::vector<pid_t>& may_signal) {
  struct Cand {
    pid_t pid;
    std::uint64_t cpu;
    std::size_t held;
    long priority;
    std::uint64_t start;
    std::string comm;
  };
  std::vector<Cand> cands;
  for (pid_t pid : deadlock.pids) {
    if (std::find(may_signal.begin(), may_signal.end(), pid) == may_signal.end()) continue;
    const ProcessInfo* info = snap.process(pid);
    std::size_t held = 0;
    for (const auto& h : snap.holds) held += h.pid == pid;
    cands.push_back({pid, info ? info->cpu_ticks : 0, held, info ? info->priority : 0, info ? info->start_ticks : 0,
                     info ? info->comm : "?"});
  }
  if (cands.empty()) return std::nullopt;
  // Least CPU, then fewest held, then lowest priority (largest kernel prio value), then
  // youngest (latest start), then pid for a stable answer.
  auto key = [](const Cand& c) {
    return std::make_tuple(c.cpu, c.held, -c.priority, -static_cast<long long>(c.start), c.pid);
  };
  std::sort(cands.begin(), cands.end(), [&](const Cand& a, const Cand& b) { return key(a) < key(b); });
  VictimChoice v;
  v.pid = cands[0].pid;
  for (const auto& c : cands)
    v.reason += "  pid " + std::to_string(c.pid) + " (" + c.comm + "): cpu " + std::to_string(c.cpu) +
                " ticks, holds " + std::to_string(c.held) + ", priority " + std::to_string(c.priority) +
                ", started at tick " + std::to_string(c.start) + "\n";
  std::string rule = "it is the only candidate";
  if (cands.size() > 1) {
    const Cand &a = cands[0], &b = cands[1];
    if (a.cpu != b.cpu) rule = "it used the least CPU";
    else if (a.held != b.held) rule = "it holds the fewest resources";
    else if (a.priority != b.priority) rule = "it has the lowest priority";
    else if (a.start != b.start) rule = "it is the youngest";
    else rule = "all criteria tie; lowest pid";
  }
  v.reason += "victim: pid " + std::to_string(v.pid) + " (" + cands[0].comm + ") because " + rule + "\n";
  return v;
}

}  // namespace corral::waits
