// SPDX-License-Identifier: Apache-2.0
// Where `corralctl status --json` spent its time with 1,000 services, and what
// replaced it (issue 13), on both sides of the socket:
//   daemon: BM_DaemonTree (to_json per service + encode: the JSON tree and its
//           dump, as before) against BM_DaemonStreamed (StatusReplyWriter);
//   client: BM_ClientTree (decode_response + dump(2), as before) against
//           BM_ClientReindent (reindent_json straight from the reply text).
// Both pairs produce the same bytes (checked once at start-up).
//
//   build/bench/bench_status_json [--benchmark_min_time=1]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "corral/protocol/json_reindent.hpp"
#include "corral/protocol/status_reply.hpp"

namespace {

using corral::protocol::ServiceStatus;
using nlohmann::json;

constexpr int kServices = 1000;

const std::vector<ServiceStatus>& services() {
  static const std::vector<ServiceStatus> rows = [] {
    std::vector<ServiceStatus> v;
    for (int i = 0; i < kServices; ++i) {
      ServiceStatus s;
      s.name = "sleeper@" + std::to_string(i);
      s.state = "running";
      s.pid = 100000 + i;
      s.uptime_s = 1234.5678 + i * 0.001;
      s.ready = true;
      s.health = "unknown";
      v.push_back(s);
    }
    return v;
  }();
  return rows;
}

std::string tree_reply() {
  json arr = json::array();
  for (const auto& s : services()) arr.push_back(corral::protocol::to_json(s));
  return corral::protocol::encode(corral::protocol::Response::success(std::move(arr)));
}

std::string streamed_reply() {
  corral::protocol::StatusReplyWriter w;
  w.reserve(services().size());
  for (const auto& s : services()) w.add(s);
  return w.finish();
}

std::string tree_client(const std::string& line) {
  auto resp = corral::protocol::decode_response(std::string_view(line).substr(0, line.size() - 1));
  if (!resp) std::abort();
  return resp->data.dump(2, ' ', false, json::error_handler_t::replace);
}

std::string reindent_client(const std::string& line) {
  constexpr std::size_t kHead = 8, kTail = 18;  // {"data":  and  ,"ok":true,"v":1}\n
  std::string out;
  if (!corral::protocol::reindent_json(std::string_view(line).substr(kHead, line.size() - kHead - kTail), 2, out))
    std::abort();
  return out;
}

void BM_DaemonTree(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(tree_reply());
  state.SetItemsProcessed(state.iterations() * kServices);
}

void BM_DaemonStreamed(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(streamed_reply());
  state.SetItemsProcessed(state.iterations() * kServices);
}

void BM_ClientTree(benchmark::State& state) {
  const std::string line = tree_reply();
  for (auto _ : state) benchmark::DoNotOptimize(tree_client(line));
  state.SetItemsProcessed(state.iterations() * kServices);
}

void BM_ClientReindent(benchmark::State& state) {
  const std::string line = streamed_reply();
  for (auto _ : state) benchmark::DoNotOptimize(reindent_client(line));
  state.SetItemsProcessed(state.iterations() * kServices);
}

}  // namespace

BENCHMARK(BM_DaemonTree)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DaemonStreamed)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ClientTree)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ClientReindent)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  // The replacement is only worth measuring if it writes the same bytes.
  if (tree_reply() != streamed_reply() || tree_client(tree_reply()) != reindent_client(streamed_reply())) {
    std::fprintf(stderr, "bench_status_json: streamed and tree renderings differ\n");
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
