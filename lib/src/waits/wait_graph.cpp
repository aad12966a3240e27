// SPDX-License-Identifier: Apache-2.0
// Wait-graph algorithms: iterative Tarjan SCC, knots, and the AND/OR fixpoint.
#include "corral/waits/wait_graph.hpp"

#include <algorithm>
#include <limits>
#include <memory>

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
// strongly connected components", 2016), iterative: one word per node, rindex, holds
// the DFS index (and lowlink) of a node while it is open and its component number
// once it is done. Open nodes have rindex <= c, done ones > c, where c is the next
// component number (counting down from n-1); comp = n-1-rindex numbers the
// components 0, 1, ... in the order they complete, as Tarjan's did (reverse
// topological order of the condensation).
//
// Memory layout (issue 13): on a large graph every step of the search is a cache
// miss, and it was three (off_[w], rindex[w], adj_[off_[w]]). Each node's record
// holds its rindex, its edge range and its first successor together, so a step to a
// node of out-degree 0 or 1 (most of a wait graph) is one miss. (Huge pages for the
// records were tried: on the build machine they made no difference.)
//
// The same pass notes for each component whether it has a cycle (two members or a
// self-loop) and whether an edge leaves it: an edge to a done node leaves the
// component (that node's component closed first), an edge to an open node stays
// inside it (an open node on the stack is in the component of an ancestor). When a
// component closes its flags are complete, so cycles and knots take its members
// right there and need no second walk over the nodes.
std::uint32_t WaitGraph::scc_pass(const SccOutput& out) {
  finalize();
  const std::uint32_t n = static_cast<std::uint32_t>(size());
  struct Rec {
    std::uint32_t rindex;  // 0: unvisited
    std::uint32_t begin, end;
    NodeId first;          // adj_[begin] when begin < end
  };
  std::unique_ptr<Rec[]> rec(new Rec[n]);  // every field written below: no zeroing pass
  for (NodeId v = 0; v < n; ++v) {
    const std::uint32_t b = off_[v], e = off_[v + 1];
    rec[v] = Rec{0, b, e, b < e ? adj_[b] : 0};
  }
  // Trimming first: a node nothing points to (in-degree 0) is a component of its
  // own without a cycle, and so is, once it is gone, each node only it pointed
  // to (Kahn's order). In a wait graph that is most of it: the waits that lead
  // to no cycle. Unlike the search, whose every step waits for the last one's
  // cache miss, this pass has its misses independent of each other, which the
  // CPU overlaps. The trimmed nodes get the last component numbers, in reverse
  // of the order they went, which keeps the reverse topological order (an edge
  // into a trimmed node comes only from one trimmed before it), and the search
  // below never meets them.
  constexpr std::uint32_t kTrimmed = std::numeric_limits<std::uint32_t>::max();  // above every c
  std::vector<NodeId> trimmed;
  {
    std::vector<std::uint32_t> indegree(n, 0);
    for (NodeId w : adj_) ++indegree[w];
    for (NodeId v = 0; v < n; ++v)
      if (indegree[v] == 0) trimmed.push_back(v);
    for (std::size_t head = 0; head < trimmed.size(); ++head) {
      const NodeId v = trimmed[head];
      rec[v].rindex = kTrimmed;
      for (std::uint32_t i = rec[v].begin; i < rec[v].end; ++i)
        if (--indegree[adj_[i]] == 0) trimmed.push_back(adj_[i]);
    }
  }
  struct Frame {
    NodeId node;
    std::uint32_t next;  // next successor position in adj_
    bool root;           // no successor reached a node of lower index (yet)
    std::uint8_t flags;  // kCyclic / kLeaves seen from this node
  };
  struct Finished {
    NodeId node;
    std::uint8_t flags;
  };
  std::vector<Finished> stack;  // finished nodes whose component is open
  std::vector<Frame> call;      // the explicit call stack
  std::uint32_t index = 1, c = n - 1;
  for (NodeId start = 0; start < n; ++start) {
    if (rec[start].rindex != 0) continue;
    rec[start].rindex = index++;
    call.push_back({start, rec[start].begin, true, 0});
    while (!call.empty()) {
      Frame& f = call.back();
      const NodeId v = f.node;
      Rec& rv = rec[v];
      if (f.next < rv.end) {
        const NodeId w = f.next == rv.begin ? rv.first : adj_[f.next];
        ++f.next;
        Rec& rw = rec[w];
        if (rw.rindex == 0) {
          rw.rindex = index++;
          call.push_back({w, rw.begin, true, 0});  // f may dangle from here on
        } else {
          if (w == v) f.flags |= kCyclic;
          if (rw.rindex > c) f.flags |= kLeaves;  // w's component is done: not v's
          if (rw.rindex < rv.rindex) {            // lower v to w (open): v is no root
            rv.rindex = rw.rindex;
            f.root = false;
          }
        }
        continue;
      }
      // v is finished: close its component if it is a root, then return to the caller.
      const bool root = f.root;
      std::uint8_t flags = f.flags;
      call.pop_back();
      if (root) {
        std::size_t first = stack.size();  // the other members: stack[first ..]
        while (first > 0 && rv.rindex <= rec[stack[first - 1].node].rindex) {
          --first;
          flags |= stack[first].flags | kCyclic;  // a second member
        }
        if (out.selected && (flags & out.want) == out.want && (flags & out.reject) == 0) {
          std::vector<NodeId>& members = out.selected->emplace_back();
          members.reserve(stack.size() - first + 1);
          members.push_back(v);
          for (std::size_t i = first; i < stack.size(); ++i) members.push_back(stack[i].node);
        }
        for (std::size_t i = first; i < stack.size(); ++i) rec[stack[i].node].rindex = c;
        index -= static_cast<std::uint32_t>(stack.size() - first) + 1;
        stack.resize(first);
        rv.rindex = c--;
      } else {
        stack.push_back({v, flags});
      }
      if (!call.empty()) {
        Frame& parent = call.back();
        Rec& rp = rec[parent.node];
        if (rv.rindex < rp.rindex) {
          rp.rindex = rv.rindex;
          parent.root = false;
        }
        if (root) parent.flags |= kLeaves;  // the tree edge parent -> v leaves parent's component
      }
    }
  }
  const std::uint32_t searched = (n - 1) - c;  // components found by the search
  const auto count = static_cast<std::uint32_t>(searched + trimmed.size());
  if (out.comp) {
    out.comp->resize(n);
    for (NodeId v = 0; v < n; ++v)
      if (rec[v].rindex != kTrimmed) (*out.comp)[v] = (n - 1) - rec[v].rindex;
    for (std::size_t k = 0; k < trimmed.size(); ++k) (*out.comp)[trimmed[k]] = count - 1 - static_cast<std::uint32_t>(k);
  }
  return count;
}

std::vector<std::uint32_t> WaitGraph::scc(std::uint32_t* count) {
  std::vector<std::uint32_t> comp;
  const std::uint32_t components = scc_pass({&comp, nullptr});
  if (count) *count = components;
  return comp;
}

std::vector<std::vector<WaitGraph::NodeId>> WaitGraph::cyclic_components(const std::vector<bool>* keep,
                                                                         bool knots_only) {
  finalize();
  std::vector<std::vector<NodeId>> out;
  const SccOutput select{nullptr, &out, kCyclic, static_cast<std::uint8_t>(knots_only ? kLeaves : 0)};
  if (keep) {
    // Restricted to `keep` by a filtered copy: simple, and linear. A node outside it
    // keeps no edge, so it is a component of its own without a cycle and never selected.
    WaitGraph sub;
    sub.kind_ = kind_;
    sub.mode_ = mode_;
    for (std::size_t e = 0; e < from_.size(); ++e)
      if ((*keep)[from_[e]] && (*keep)[to_[e]]) sub.add_edge(from_[e], to_[e]);
    sub.scc_pass(select);
  } else {
    scc_pass(select);
  }
  // Components come out in closing order, members in stack order: report each one
  // sorted, and the components by their first node, whatever the search order was.
  for (auto& members : out) std::sort(members.begin(), members.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });
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
