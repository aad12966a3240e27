// Wait-graph algorithms: iterative Tarjan SCC, knots, and the AND/OR fixpoint.
#include "corral/waits/wait_graph.hpp"

#include <algorithm>
#include <limits>

namespace corral::waits {
namespace {
constexpr std::uint32_t kUnvisited = std::numeric_limits<std::uint32_t>::max();
}

WaitGraph::NodeId WaitGraph::add_node(NodeKind kind, WaitMode mode) {
  kind_.push_back(kind);
  mode_.push_back(mode);
  built_ = false;
  return static_cast<NodeId>(kind_.size() - 1);
}

void WaitGraph::add_edge(NodeId from, NodeId to) {
  from_.push_back(from);
  to_.push_back(to);
  built_ = false;
}

void WaitGraph::reserve(std::size_t nodes, std::size_t edges) {
  kind_.reserve(nodes);
  mode_.reserve(nodes);
  from_.reserve(edges);
  to_.reserve(edges);
}

void WaitGraph::finalize() {
  if (built_) return;
  const std::size_t n = size();
  off_.assign(n + 1, 0);
  for (NodeId f : from_) ++off_[f + 1];
  for (std::size_t i = 0; i < n; ++i) off_[i + 1] += off_[i];
  adj_.resize(from_.size());
  std::vector<std::uint32_t> pos(off_.begin(), off_.end() - 1);
  for (std::size_t e = 0; e < from_.size(); ++e) adj_[pos[from_[e]]++] = to_[e];
  built_ = true;
}

std::vector<std::uint32_t> WaitGraph::scc(std::uint32_t* count) {
  finalize();
  const std::size_t n = size();
  std::vector<std::uint32_t> index(n, kUnvisited), low(n, 0), comp(n, kUnvisited);
  std::vector<NodeId> stack;            // Tarjan's node stack
  std::vector<bool> on_stack(n, false);
  struct Frame {
    NodeId node;
    std::uint32_t next;  // next successor position in adj_
  };
  std::vector<Frame> call;              // the explicit call stack
  std::uint32_t counter = 0, ncomp = 0;
  for (NodeId root = 0; root < n; ++root) {
    if (index[root] != kUnvisited) continue;
    call.push_back({root, off_[root]});
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!call.empty()) {
      Frame& f = call.back();
      const NodeId v = f.node;
      if (f.next < off_[v + 1]) {
        const NodeId w = adj_[f.next++];
        if (index[w] == kUnvisited) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          call.push_back({w, off_[w]});  // f may dangle from here on
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      // v is finished: pop a component if it is a root, then return to the caller.
      if (low[v] == index[v]) {
        NodeId w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          comp[w] = ncomp;
        } while (w != v);
        ++ncomp;
      }
      call.pop_back();
      if (!call.empty()) {
        const NodeId parent = call.back().node;
        low[parent] = std::min(low[parent], low[v]);
      }
    }
  }
  if (count) *count = ncomp;
  return comp;
}

std::vector<std::vector<WaitGraph::NodeId>> WaitGraph::cyclic_components(const std::vector<bool>* keep,
                                                                         bool knots_only) {
  finalize();
  // Restricting to `keep` is done by building a filtered copy: simple, and linear.
  WaitGraph sub;
  const WaitGraph* g = this;
  std::vector<std::uint32_t> comp;
  std::uint32_t ncomp = 0;
  if (keep) {
    sub.kind_ = kind_;
    sub.mode_ = mode_;
    for (std::size_t e = 0; e < from_.size(); ++e)
      if ((*keep)[from_[e]] && (*keep)[to_[e]]) sub.add_edge(from_[e], to_[e]);
    comp = sub.scc(&ncomp);
    g = &sub;
  } else {
    comp = scc(&ncomp);
  }
  std::vector<std::uint32_t> members(ncomp, 0);
  std::vector<bool> cyclic(ncomp, false), leaves(ncomp, false);
  for (NodeId v = 0; v < size(); ++v) {
    if (keep && !(*keep)[v]) continue;
    ++members[comp[v]];
    for (const NodeId* w = g->succ_begin(v); w != g->succ_end(v); ++w) {
      if (*w == v) cyclic[comp[v]] = true;
      if (comp[*w] != comp[v]) leaves[comp[v]] = true;
    }
  }
  std::vector<std::int64_t> slot(ncomp, -1);
  std::vector<std::vector<NodeId>> out;
  for (NodeId v = 0; v < size(); ++v) {
    if (keep && !(*keep)[v]) continue;
    const std::uint32_t c = comp[v];
    if (!(cyclic[c] || members[c] > 1)) continue;
    if (knots_only && leaves[c]) continue;
    if (slot[c] < 0) {
      slot[c] = static_cast<std::int64_t>(out.size());
      out.emplace_back();
    }
    out[static_cast<std::size_t>(slot[c])].push_back(v);
  }
  return out;
}

std::vector<std::vector<WaitGraph::NodeId>> WaitGraph::cycles() { return cyclic_components(nullptr, false); }

std::vector<std::vector<WaitGraph::NodeId>> WaitGraph::knots() { return cyclic_components(nullptr, true); }

std::vector<bool> WaitGraph::deadlocked() {
  finalize();
  const std::size_t n = size();
  // Reverse adjacency (predecessors) in CSR form.
  std::vector<std::uint32_t> roff(n + 1, 0);
  for (NodeId t : to_) ++roff[t + 1];
  for (std::size_t i = 0; i < n; ++i) roff[i + 1] += roff[i];
  std::vector<NodeId> radj(to_.size());
  {
    std::vector<std::uint32_t> pos(roff.begin(), roff.end() - 1);
    for (std::size_t e = 0; e < to_.size(); ++e) radj[pos[to_[e]]++] = from_[e];
  }
  // need[v]: how many more successors must become free before v is free.
  std::vector<std::uint32_t> need(n);
  std::vector<bool> free_node(n, false);
  std::vector<NodeId> queue;
  for (NodeId v = 0; v < n; ++v) {
    const std::uint32_t out = off_[v + 1] - off_[v];
    need[v] = out == 0 ? 0 : (mode_[v] == WaitMode::kOr ? 1 : out);
    if (need[v] == 0) {
      free_node[v] = true;
      queue.push_back(v);
    }
  }
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const NodeId v = queue[head];
    for (std::uint32_t i = roff[v]; i < roff[v + 1]; ++i) {
      const NodeId u = radj[i];
      if (free_node[u]) continue;
      if (--need[u] == 0) {  // parallel edges count once each, on both sides
        free_node[u] = true;
        queue.push_back(u);
      }
    }
  }
  std::vector<bool> dead(n);
  for (NodeId v = 0; v < n; ++v) dead[v] = !free_node[v];
  return dead;
}

std::vector<std::vector<WaitGraph::NodeId>> WaitGraph::deadlocks() {
  std::vector<bool> dead = deadlocked();
  return cyclic_components(&dead, false);
}

}  // namespace corral::waits
