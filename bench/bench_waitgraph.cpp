// SPDX-License-Identifier: Apache-2.0
// Graph algorithms alone: cycle (Tarjan SCC), knot and AND/OR deadlock detection over a
// random 1,000,000-node wait graph (and Tarjan's SCC pass alone), against Boost.Graph's strong_components on the same
// graph as the reference. Goal: each detection under 1 s.
//
//   build/bench/bench_waitgraph            (prints both figures; ratio = corral / BGL)
#include <benchmark/benchmark.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <random>
#include <vector>

#include "corral/waits/wait_graph.hpp"

using corral::waits::NodeKind;
using corral::waits::WaitGraph;
using corral::waits::WaitMode;

namespace {

constexpr std::uint32_t kNodes = 1'000'000;

// Half processes, half resources. Each resource has 1-2 holders; 70% of the processes
// wait for one resource (a few for two), which yields long chains and some cycles.
struct Edges {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> list;
  std::vector<bool> is_or;
};

const Edges& random_edges() {
  static Edges e = [] {
    Edges out;
    std::mt19937_64 rng(42);
    const std::uint32_t procs = kNodes / 2;
    std::uniform_int_distribution<std::uint32_t> proc(0, procs - 1), res(procs, kNodes - 1);
    std::uniform_real_distribution<double> coin(0, 1);
    out.is_or.resize(kNodes);
    for (std::uint32_t r = procs; r < kNodes; ++r) {
      out.list.emplace_back(r, proc(rng));
      if (coin(rng) < 0.3) out.list.emplace_back(r, proc(rng));
      out.is_or[r] = coin(rng) < 0.5;  // pipes / multi-instance vs locks
    }
    for (std::uint32_t p = 0; p < procs; ++p) {
      if (coin(rng) < 0.7) out.list.emplace_back(p, res(rng));
      if (coin(rng) < 0.05) out.list.emplace_back(p, res(rng));
    }
    return out;
  }();
  return e;
}

WaitGraph build() {
  const Edges& e = random_edges();
  WaitGraph g;
  g.reserve(kNodes, e.list.size());
  for (std::uint32_t n = 0; n < kNodes; ++n)
    g.add_node(n < kNodes / 2 ? NodeKind::kProcess : NodeKind::kResource,
               e.is_or[n] ? WaitMode::kOr : WaitMode::kAnd);
  for (auto [a, b] : e.list) g.add_edge(a, b);
  g.finalize();
  return g;
}

// Tarjan alone (the SCC pass every detector starts with); BM_Knots minus this is
// the knot pass (component flags and the output lists).
void BM_Tarjan(benchmark::State& state) {
  WaitGraph g = build();
  std::uint32_t components = 0;
  for (auto _ : state) {
    auto comp = g.scc(&components);
    benchmark::DoNotOptimize(comp.data());
  }
  state.counters["components"] = components;
}

void BM_Cycles(benchmark::State& state) {
  WaitGraph g = build();
  std::size_t found = 0;
  for (auto _ : state) found = g.cycles().size();
  state.counters["cycles"] = static_cast<double>(found);
}

void BM_Knots(benchmark::State& state) {
  WaitGraph g = build();
  std::size_t found = 0;
  for (auto _ : state) found = g.knots().size();
  state.counters["knots"] = static_cast<double>(found);
}

void BM_Deadlocks(benchmark::State& state) {
  WaitGraph g = build();
  std::size_t found = 0;
  for (auto _ : state) found = g.deadlocks().size();
  state.counters["deadlocks"] = static_cast<double>(found);
}

// The reference: Boost.Graph strongly connected components on the same edges.
void BM_Reference_BoostStrongComponents(benchmark::State& state) {
  using G = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const Edges& e = random_edges();
  G g(e.list.begin(), e.list.end(), kNodes);
  std::vector<int> comp(kNodes);
  int n = 0;
  for (auto _ : state) n = boost::strong_components(g, comp.data());
  state.counters["components"] = n;
}

}  // namespace

BENCHMARK(BM_Tarjan)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Cycles)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Knots)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Deadlocks)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Reference_BoostStrongComponents)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_MAIN();
