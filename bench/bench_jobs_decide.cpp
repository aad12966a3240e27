// SPDX-License-Identifier: Apache-2.0
// Decision time per event of the long-term scheduler's core (AdmissionQueue), per
// policy, with 10,000 jobs waiting in a 1-slot queue: one event = a job arrives,
// decide() runs (a dispatch or a preemption), the running job leaves, decide() again.
// The reference in the same run is a std::priority_queue push + pop over the same
// number of waiting entries (the least any ordered choice costs); the ratio of each
// policy to it is the figure to report.
//
//   build/bench/bench_jobs_decide --benchmark_min_time=1s
#include <benchmark/benchmark.h>

#include <queue>
#include <random>
#include <vector>

#include "corral/jobs/admission_queue.hpp"

using namespace corral::jobs;

namespace {

constexpr int kWaiting = 10'000;

const char* const kPolicies[] = {"fcfs", "rr", "spn", "srt", "hrrn", "fb"};

void BM_DecidePerEvent(benchmark::State& state) {
  const char* name = kPolicies[state.range(0)];
  auto policy = make_policy(name, "", 1'000'000);  // 1 ms quantum in ns
  AdmissionQueue q(*policy, 1);
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<Tick> service(1'000'000, 1'000'000'000);
  JobId next = 0;
  Tick now = 0;
  for (int i = 0; i < kWaiting; ++i) (void)q.arrive(next++, now, service(rng));
  (void)q.decide(now);
  for (auto _ : state) {
    now += 1'000'000;
    (void)q.arrive(next++, now, service(rng));
    auto d = q.decide(now);
    benchmark::DoNotOptimize(d);
    if (!q.running_jobs().empty()) q.remove(q.running_jobs().front().id);
    d = q.decide(now);
    benchmark::DoNotOptimize(d);
  }
  state.SetLabel(name);
}
BENCHMARK(BM_DecidePerEvent)->DenseRange(0, 5);

void BM_ReferencePriorityQueue(benchmark::State& state) {
  std::priority_queue<Tick> pq;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<Tick> service(1'000'000, 1'000'000'000);
  for (int i = 0; i < kWaiting; ++i) pq.push(service(rng));
  for (auto _ : state) {
    pq.push(service(rng));
    benchmark::DoNotOptimize(pq.top());
    pq.pop();
  }
}
BENCHMARK(BM_ReferencePriorityQueue);

}  // namespace

BENCHMARK_MAIN();
