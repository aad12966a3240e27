// SPDX-License-Identifier: Apache-2.0
// corral::waits::WaitGraph: the wait-for / resource-allocation graph and its detectors.
//
// Nodes are processes, threads and resources. An edge u -> v means "u cannot go on until
// v acts": a process or thread waits for a resource, and a resource waits for (is held by)
// its holders. Each node says how its out-edges combine:
//   AND: it needs every successor (a lock held by several readers, a thread that needs
//        this particular holder);
//   OR:  any one successor suffices (a pipe that any writer can fill, a process with
//        several blocked threads, a multi-instance resource any holder can release).
// A node without out-edges is free (running, or waiting for something outside the graph).
//
// Pure and allocation-light: the graph is a CSR built once by finalize(); every
// algorithm is iterative, so a 1,000,000-node graph does not touch the call stack.
#pragma once

#include <cstdint>
#include <vector>

namespace corral::waits {

enum class NodeKind : std::uint8_t { kProcess, kThread, kResource };
enum class WaitMode : std::uint8_t { kAnd, kOr };

class WaitGraph {
 public:
  using NodeId = std::uint32_t;

  NodeId add_node(NodeKind kind, WaitMode mode = WaitMode::kAnd);
  void add_edge(NodeId from, NodeId to);
  void reserve(std::size_t nodes, std::size_t edges);

  std::size_t size() const { return kind_.size(); }
  NodeKind kind(NodeId n) const { return kind_[n]; }
  WaitMode mode(NodeId n) const { return mode_[n]; }
  std::size_t edge_count() const { return from_.size(); }
  // Successors of n (valid after finalize()).
  const NodeId* succ_begin(NodeId n) const { return adj_.data() + off_[n]; }
  const NodeId* succ_end(NodeId n) const { return adj_.data() + off_[n + 1]; }

  // Builds the adjacency arrays; the algorithms call it if edges changed.
  void finalize();

  // Strongly connected components (Tarjan, iterative). comp[n] is n's component id.
  // Component ids come out in reverse topological order of the condensation.
  std::vector<std::uint32_t> scc(std::uint32_t* count = nullptr);

  // AND model: components that contain a cycle (more than one node, or a self-loop).
  std::vector<std::vector<NodeId>> cycles();
  // OR model: knots, i.e. cyclic components with no edge leaving them: from every node
  // of a knot, exactly the knot is reachable.
  std::vector<std::vector<NodeId>> knots();
  // The mixed AND/OR model: deadlocked[n] is true when n can never become free. A node
  // is free if it has no successors, or (OR) one successor is free, or (AND) all are.
  std::vector<bool> deadlocked();
  // The deadlocks to report: cyclic components of the graph restricted to deadlocked
  // nodes. Deadlocked nodes outside them only wait (transitively) on a deadlock.
  std::vector<std::vector<NodeId>> deadlocks();

 private:
  // Component flags the SCC pass collects, for cycles and knots without a second walk.
  enum : std::uint8_t { kCyclic = 1, kLeaves = 2 };
  // What one SCC pass hands back: any of the component number of every node, and the
  // members of each component that has every flag of `want` and none of `reject`
  // (collected as the component closes, so cycles and knots need no per-node pass).
  struct SccOutput {
    std::vector<std::uint32_t>* comp = nullptr;
    std::vector<std::vector<NodeId>>* selected = nullptr;
    std::uint8_t want = kCyclic;
    std::uint8_t reject = 0;
  };
  std::uint32_t scc_pass(const SccOutput& out);
  std::vector<std::vector<NodeId>> cyclic_components(const std::vector<bool>* keep, bool knots_only);

  std::vector<NodeKind> kind_;
  std::vector<WaitMode> mode_;
  std::vector<NodeId> from_, to_;
  std::vector<std::uint32_t> off_;  // CSR: successors of n are adj_[off_[n] .. off_[n+1])
  std::vector<NodeId> adj_;
  bool built_ = false;
};

}  // namespace corral::waits
