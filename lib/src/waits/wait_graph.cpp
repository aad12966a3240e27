// SPDX-License-Identifier: Apache-2.0
// Wait-graph algorithms: iterative Tarjan SCC, knots, and the AND/OR fixpoint.
#include "corral/waits/wait_graph.hpp"

#include <algorithm>
#include <limits>

namespace corral::waits {

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

// Pearce's variant of Tarjan's algorithm ("A space-efficient algorithm for finding
// strongly connected components", 2016), iterative: one array, rindex, holds the
// DFS index (and lowlink) of a node while it is open and its component number once
// it is done, so no separate index/low/on-stack arrays exist (issue 13: a third of
// the time went to zeroing and page-faulting them). Components are numbered down
// from n-1 in the order they complete; comp = n-1-rindex numbers them 0, 1, ... in
// that same order, as Tarjan's did (reverse topological order of the condensation).
std::vector<std::uint32_t> WaitGraph::scc(std::uint32_t* count) {
  finalize();
  const std::uint32_t n = static_cast<std::uint32_t>(size());
  std::vector<std::uint32_t> rindex(n, 0);  // 0: unvisited
  std::vector<NodeId> stack;                // finished nodes whose component is open
  struct Frame {
    NodeId node;
    std::uint32_t next;  // next successor position in adj_
    bool root;           // no successor reached a node of lower index (yet)
  };
  std::vector<Frame> call;  // the explicit call stack
  std::uint32_t index = 1, c = n - 1;
  // Lowers v's index to w's if smaller (w open, or on the stack): then v is no root.
  auto lower = [&](Frame& f, NodeId w) {
    if (rindex[w] < rindex[f.node]) {
      rindex[f.node] = rindex[w];
      f.root = false;
    }
  };
  for (NodeId start = 0; start < n; ++start) {
    if (rindex[start] != 0) continue;
    rindex[start] = index++;
    call.push_back({start, off_[start], true});
    while (!call.empty()) {
      Frame& f = call.back();
      const NodeId v = f.node;
      if (f.next < off_[v + 1]) {
        const NodeId w = adj_[f.next++];
        if (rindex[w] == 0) {
          rindex[w] = index++;
          call.push_back({w, off_[w], true});  // f may dangle from here on
        } else {
          lower(f, w);
        }
        continue;
      }
      // v is finished: close its component if it is a root, then return to the caller.
      const bool root = f.root;
      call.pop_back();
      if (root) {
        --index;
        while (!stack.empty() && rindex[v] <= rindex[stack.back()]) {
          rindex[stack.back()] = c;
          stack.pop_back();
          --index;
        }
        rindex[v] = c--;
      } else {
        stack.push_back(v);
      }
      if (!call.empty()) lower(call.back(), v);
    }
  }
  if (count) *count = (n - 1) - c;
  for (auto& r : rindex) r = (n - 1) - r;
  return rindex;
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
  // One byte of flags per component (one pass over the edges), then one word per
  // component for its slot in the output: no per-component counters or bit vectors.
  enum : std::uint8_t { kSeen = 1, kCyclic = 2, kLeaves = 4 };
  std::vector<std::uint8_t> flags(ncomp, 0);
  for (NodeId v = 0; v < size(); ++v) {
    if (keep && !(*keep)[v]) continue;
    std::uint8_t& f = flags[comp[v]];
    if (f & kSeen) f |= kCyclic;  // a second member
    f |= kSeen;
    for (const NodeId* w = g->succ_begin(v); w != g->succ_end(v); ++w) {
      if (*w == v) f |= kCyclic;
      if (comp[*w] != comp[v]) f |= kLeaves;
    }
  }
  constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::vector<NodeId>> out;
  std::vector<std::uint32_t> where(ncomp, kNoSlot);
  for (NodeId v = 0; v < size(); ++v) {
    if (keep && !(*keep)[v]) continue;
    const std::uint32_t c = comp[v];
    if (!(flags[c] & kCyclic)) continue;
    if (knots_only && (flags[c] & kLeaves)) continue;
    if (where[c] == kNoSlot) {
      where[c] = static_cast<std::uint32_t>(out.size());
      out.emplace_back();
    }
    out[where[c]].push_back(v);
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
