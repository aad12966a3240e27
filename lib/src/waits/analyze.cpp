// SPDX-License-Identifier: Apache-2.0
// Snapshot -> WaitGraph -> Report.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "corral/waits/snapshot.hpp"

namespace corral::waits {

const char* to_string(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kFileLock: return "file-lock";
    case ResourceKind::kPipe: return "pipe";
    case ResourceKind::kMutex: return "mutex";
    case ResourceKind::kRegistry: return "registry";
    case ResourceKind::kSysvSem: return "sysv-sem";
    case ResourceKind::kMessage: return "message";
  }
  return "?";
}

std::size_t Snapshot::add_resource(Resource r) {
  auto [it, fresh] = resource_index_.try_emplace(r.key, resources.size());
  if (fresh) resources.push_back(std::move(r));
  return it->second;
}

const ProcessInfo* Snapshot::process(pid_t pid) const {
  for (const auto& p : processes)
    if (p.pid == pid) return &p;
  return nullptr;
}

Report analyze(const Snapshot& snap) {
  WaitGraph g;
  using NodeId = WaitGraph::NodeId;
  std::unordered_map<pid_t, NodeId> proc_node;
  auto node_of = [&](pid_t pid) {
    auto [it, fresh] = proc_node.try_emplace(pid, 0);
    if (fresh) it->second = g.add_node(NodeKind::kProcess, WaitMode::kOr);
    return it->second;
  };
  std::vector<NodeId> res_node(snap.resources.size());
  for (std::size_t r = 0; r < snap.resources.size(); ++r)
    res_node[r] = g.add_node(NodeKind::kResource, snap.resources[r].holders_mode);

  // Resources wait for their holders, unless they could be granted right now.
  for (const auto& h : snap.holds)
    if (!snap.resources[h.resource].free_now) g.add_edge(res_node[h.resource], node_of(h.pid));

  // Group waits by process and thread. A process is stuck only when each of its threads
  // is in a wait we recognise; then it waits (OR) for any of its threads to move, and a
  // thread waits (AND) for everything it asked for.
  std::map<pid_t, std::map<pid_t, std::vector<std::size_t>>> by_proc;
  for (std::size_t w = 0; w < snap.waits.size(); ++w) {
    const auto& wt = snap.waits[w];
    by_proc[wt.pid][wt.tid ? wt.tid : wt.pid].push_back(wt.resource);
  }
  for (auto& [pid, threads] : by_proc) {
    const NodeId pn = node_of(pid);
    const ProcessInfo* info = snap.process(pid);
    bool all_blocked = true;
    if (info && !info->tids.empty())
      for (pid_t tid : info->tids)
        all_blocked = all_blocked && threads.count(tid);
    if (!all_blocked) continue;  // a live thread may still release what pid holds
    for (auto& [tid, resources] : threads) {
      const NodeId tn = g.add_node(NodeKind::kThread, WaitMode::kAnd);
      g.add_edge(pn, tn);
      for (std::size_t r : resources) g.add_edge(tn, res_node[r]);
    }
  }
  std::vector<bool> dead = g.deadlocked();

  Report report;
  std::unordered_map<NodeId, pid_t> pid_of;
  for (auto& [pid, n] : proc_node) pid_of[n] = pid;
  std::unordered_map<NodeId, std::size_t> res_of;
  for (std::size_t r = 0; r < res_node.size(); ++r) res_of[res_node[r]] = r;

  std::set<pid_t> in_deadlock;
  for (const auto& comp : g.deadlocks()) {
    Deadlock d;
    for (NodeId n : comp) {
      if (auto it = pid_of.find(n); it != pid_of.end()) d.pids.push_back(it->second);
      if (auto it = res_of.find(n); it != res_of.end()) d.resources.push_back(it->second);
    }
    std::sort(d.pids.begin(), d.pids.end());
    std::sort(d.resources.begin(), d.resources.end());
    if (d.pids.empty()) continue;
    in_deadlock.insert(d.pids.begin(), d.pids.end());
    report.deadlocks.push_back(std::move(d));
  }
  for (std::size_t w = 0; w < snap.waits.size(); ++w) {
    if (in_deadlock.count(snap.waits[w].pid)) continue;
    report.blocked.push_back(w);
    report.waits_on_deadlock.push_back(dead[node_of(snap.waits[w].pid)]);
  }
  return report;
}

}  // namespace corral::waits
