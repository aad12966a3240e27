// SPDX-License-Identifier: Apache-2.0
// Fairness with nice (fair_share = "nice"): three groups with weights 100:200:400,
// two busy workers each, all ordinary processes on the machine's cores. Every
// interval the NiceController takes the workers' measured CPU ticks and returns nice
// values, applied with setpriority to every thread. Reference: no controller.
//   bench_fairness_nice [--seconds 20] [--ref-seconds 5] [--warmup 3] [--interval 0.5]
//                       [--proportional-only 1]   (no integral term, for comparison)
#include "corral/sched/topology.hpp"
#include "fairness_common.hpp"

int main(int argc, char** argv) {
  double seconds = bench::arg_seconds(argc, argv, "--seconds", 20);
  double ref_seconds = bench::arg_seconds(argc, argv, "--ref-seconds", 5);
  double warmup = bench::arg_seconds(argc, argv, "--warmup", 3);
  double interval = bench::arg_seconds(argc, argv, "--interval", 0.5);
  auto topo = corral::sched::CpuTopology::read();
  if (!topo) {
    std::fprintf(stderr, "topology: %s\n", topo.error().message.c_str());
    return 1;
  }
  std::vector<int> cpus = topo->online();
  std::printf("fairness with nice: 3 groups x 2 busy workers on %zu CPUs, interval %.2f s, loadavg before: %s\n",
              cpus.size(), interval, bench::loadavg().c_str());

  std::vector<bench::Group> groups{{1, 100, {}}, {2, 200, {}}, {3, 400, {}}};
  for (auto& g : groups)
    for (int i = 0; i < 2; ++i) g.workers.push_back(bench::start_worker(cpus));
  bench::sleep_for(1);
  auto a = bench::sample(groups);
  bench::sleep_for(ref_seconds);
  auto ref = bench::shares(groups, a, bench::sample(groups), ref_seconds);
  bench::print("reference", groups, ref);

  // Same workers, now under the controller.
  corral::fairshare::NiceControllerOptions opts;
  opts.integral = bench::arg_seconds(argc, argv, "--proportional-only", 0) == 0;
  corral::fairshare::NiceController ctl({{1, 100.0}, {2, 200.0}, {3, 400.0}}, opts);
  std::map<pid_t, int> group_of;
  for (const auto& g : groups)
    for (pid_t p : g.workers) group_of[p] = g.id;
  int rc = 0;
  auto run = [&](double secs) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs);
    auto next = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < end) {
      auto nice = ctl.update(bench::sample(groups), group_of);
      for (const auto& [p, n] : nice)
        if (auto st = corral::fairshare::set_nice_all_threads(p, n); !st) {
          std::fprintf(stderr, "%s\n", st.error().message.c_str());
          rc = 1;
        }
      next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(interval));
      std::this_thread::sleep_until(next);
    }
  };
  run(warmup);
  a = bench::sample(groups);
  run(seconds);
  auto got = bench::shares(groups, a, bench::sample(groups), seconds);
  bench::print(opts.integral ? "nice FSS" : "nice P-only", groups, got);
  std::printf("final group nice offsets: w100 %.2f  w200 %.2f  w400 %.2f\n", ctl.offset(1), ctl.offset(2),
              ctl.offset(3));
  std::printf("error vs reference: %.1f pts with the controller, %.1f pts without (ratio %.2f); goal <= 5 pts\n",
              got.max_error_pts, ref.max_error_pts,
              ref.max_error_pts > 0 ? got.max_error_pts / ref.max_error_pts : 0.0);
  std::printf("loadavg after: %s\n", bench::loadavg().c_str());
  bench::stop_workers(groups);
  if (rc == 0 && got.max_error_pts > 5.0) rc = 1;
  return rc;
}
