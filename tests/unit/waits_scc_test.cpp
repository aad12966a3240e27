// SPDX-License-Identifier: Apache-2.0
// WaitGraph::scc() (Pearce's one-array Tarjan) against the definition on random
// graphs: u and v share a component exactly when each reaches the other, and the
// component ids come out in reverse topological order (every edge u -> v between
// two components has comp[u] > comp[v]).
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "corral/waits/wait_graph.hpp"

using corral::waits::NodeKind;
using corral::waits::WaitGraph;
using NodeId = WaitGraph::NodeId;

namespace {

// reach[u][v]: v is reachable from u (u reaches itself), by a DFS from each node.
std::vector<std::vector<bool>> reachability(const std::vector<std::vector<NodeId>>& adj) {
  const std::size_t n = adj.size();
  std::vector<std::vector<bool>> reach(n, std::vector<bool>(n, false));
  for (std::size_t s = 0; s < n; ++s) {
    std::vector<NodeId> todo{static_cast<NodeId>(s)};
    reach[s][s] = true;
    while (!todo.empty()) {
      NodeId u = todo.back();
      todo.pop_back();
      for (NodeId w : adj[u])
        if (!reach[s][w]) {
          reach[s][w] = true;
          todo.push_back(w);
        }
    }
  }
  return reach;
}

TEST(WaitsScc, MatchesMutualReachabilityOnRandomGraphs) {
  std::mt19937 rng(1313);
  for (int round = 0; round < 300; ++round) {
    const std::uint32_t n = 1 + rng() % 40;
    const std::uint32_t edges = rng() % (3 * n);
    WaitGraph g;
    std::vector<std::vector<NodeId>> adj(n);
    for (std::uint32_t i = 0; i < n; ++i) g.add_node(NodeKind::kProcess);
    for (std::uint32_t e = 0; e < edges; ++e) {
      NodeId a = rng() % n, b = rng() % n;  // self-loops and parallel edges included
      g.add_edge(a, b);
      adj[a].push_back(b);
    }
    std::uint32_t count = 0;
    const auto comp = g.scc(&count);
    ASSERT_EQ(comp.size(), n);
    const auto reach = reachability(adj);
    std::set<std::uint32_t> ids(comp.begin(), comp.end());
    EXPECT_EQ(ids.size(), count) << "round " << round;
    EXPECT_EQ(*ids.rbegin(), count - 1) << "ids are 0..count-1";
    for (NodeId u = 0; u < n; ++u)
      for (NodeId v = 0; v < n; ++v)
        ASSERT_EQ(comp[u] == comp[v], reach[u][v] && reach[v][u]) << "round " << round << ": " << u << ", " << v;
    for (NodeId u = 0; u < n; ++u) {
      for (NodeId w : adj[u]) {
        if (comp[u] != comp[w]) {
          EXPECT_GT(comp[u], comp[w]) << "round " << round << ": edge " << u << " -> " << w;
        }
      }
    }
  }
}

TEST(WaitsScc, EmptyGraphHasNoComponents) {
  WaitGraph g;
  std::uint32_t count = 7;
  EXPECT_TRUE(g.scc(&count).empty());
  EXPECT_EQ(count, 0u);
}

// A 200,000-node chain is one DFS path: the iterative version must not recurse.
TEST(WaitsScc, LongChainAndLongCycle) {
  constexpr std::uint32_t n = 200000;
  WaitGraph chain;
  for (std::uint32_t i = 0; i < n; ++i) chain.add_node(NodeKind::kProcess);
  for (std::uint32_t i = 0; i + 1 < n; ++i) chain.add_edge(i, i + 1);
  std::uint32_t count = 0;
  chain.scc(&count);
  EXPECT_EQ(count, n);
  chain.add_edge(n - 1, 0);
  chain.scc(&count);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(chain.knots().size(), 1u);
}

}  // namespace
