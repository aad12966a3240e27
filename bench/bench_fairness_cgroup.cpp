// SPDX-License-Identifier: Apache-2.0
// Fairness with cgroups: three groups with weights 100:200:400 (cpu.weight on v2,
// cpu.shares on v1), two busy workers each, each worker in its own service cgroup
// inside its group. Reference: the same workers with no groups (equal shares).
// Shares are measured from the workers' own utime+stime in /proc.
//   bench_fairness_cgroup [--seconds 20] [--ref-seconds 5] [--warmup 2]
#include <unistd.h>

#include "corral/cgroup/setup.hpp"
#include "corral/sched/topology.hpp"
#include "fairness_common.hpp"

int main(int argc, char** argv) {
  double seconds = bench::arg_seconds(argc, argv, "--seconds", 20);
  double ref_seconds = bench::arg_seconds(argc, argv, "--ref-seconds", 5);
  double warmup = bench::arg_seconds(argc, argv, "--warmup", 2);
  auto topo = corral::sched::CpuTopology::read();
  if (!topo) {
    std::fprintf(stderr, "topology: %s\n", topo.error().message.c_str());
    return 1;
  }
  std::vector<int> cpus = topo->online();
  std::printf("fairness with cgroups: 3 groups x 2 busy workers on CPUs %zu, loadavg before: %s\n",
              cpus.size(), bench::loadavg().c_str());

  std::vector<bench::Group> groups{{1, 100, {}}, {2, 200, {}}, {3, 400, {}}};
  // Reference run: plain processes, no cgroups.
  for (auto& g : groups)
    for (int i = 0; i < 2; ++i) g.workers.push_back(bench::start_worker(cpus));
  bench::sleep_for(warmup);
  auto a = bench::sample(groups);
  bench::sleep_for(ref_seconds);
  auto ref = bench::shares(groups, a, bench::sample(groups), ref_seconds);
  bench::stop_workers(groups);
  bench::print("reference", groups, ref);

  corral::cgroup::SetupOptions o;
  o.name = "corral-bench-" + std::to_string(::getpid());
  auto opened = corral::cgroup::open_cgroups(o);
  if (!opened) {
    std::fprintf(stderr, "cgroups: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& cg = *opened->cgroups;
  int rc = 0;
  for (auto& g : groups) {
    g.workers.clear();
    std::string gp = "g" + std::to_string(g.weight);
    for (int i = 0; i < 2; ++i) {
      std::string svc = gp + "/w" + std::to_string(i);
      if (auto st = cg.create(svc); !st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        rc = 1;
      }
      pid_t p = bench::start_worker(cpus);
      g.workers.push_back(p);
      if (auto st = cg.attach(svc, p); !st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        rc = 1;
      }
    }
    if (auto st = cg.set_weight(gp, g.weight); !st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      rc = 1;
    }
  }
  if (rc == 0) {
    bench::sleep_for(warmup);
    a = bench::sample(groups);
    bench::sleep_for(seconds);
    auto got = bench::shares(groups, a, bench::sample(groups), seconds);
    bench::print(corral::cgroup::to_string(cg.mode()) == "v2" ? "cpu.weight" : "cpu.shares", groups, got);
    std::printf("error vs reference: %.1f pts with weights, %.1f pts without (ratio %.2f); goal <= 2 pts\n",
                got.max_error_pts, ref.max_error_pts,
                ref.max_error_pts > 0 ? got.max_error_pts / ref.max_error_pts : 0.0);
    std::printf("loadavg after: %s\n", bench::loadavg().c_str());
    rc = got.max_error_pts <= 2.0 ? 0 : 1;
  }
  bench::stop_workers(groups);
  for (auto& g : groups) (void)cg.remove("g" + std::to_string(g.weight));
  if (auto st = corral::cgroup::close_cgroups(*opened); !st)
    std::fprintf(stderr, "cleanup: %s\n", st.error().message.c_str());
  return rc;
}
