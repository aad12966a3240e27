// SPDX-License-Identifier: Apache-2.0
// Shared by bench_fairness_cgroup and bench_fairness_nice: busy workers in groups,
// and each group's share measured from the workers' own CPU time in /proc.
// Written against the library so that a later version can start the same workers as
// corrald services and measure them the same way.
#pragma once

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "corral/base/file_read.hpp"
#include "corral/fairshare/nice_controller.hpp"

namespace bench {

struct Group {
  int id;
  unsigned weight;
  std::vector<pid_t> workers;
};

// A busy worker: spins forever, allowed on `cpus` (the machine's cores), as an
// ordinary SCHED_OTHER process at nice 0.
inline pid_t start_worker(const std::vector<int>& cpus) {
  pid_t p = ::fork();
  if (p == 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cpus) CPU_SET(c, &set);
    ::sched_setaffinity(0, sizeof set, &set);
    volatile unsigned long x = 0;
    for (;;) x = x + 1;
  }
  return p;
}

inline void stop_workers(std::vector<Group>& groups) {
  for (auto& g : groups)
    for (pid_t p : g.workers) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
}

inline std::map<pid_t, std::uint64_t> sample(const std::vector<Group>& groups) {
  std::map<pid_t, std::uint64_t> out;
  for (const auto& g : groups)
    for (pid_t p : g.workers)
      if (auto t = corral::fairshare::read_cpu_ticks(p)) out[p] = *t;
  return out;
}

struct Shares {
  std::map<int, double> share;  // group -> fraction of the workers' total CPU
  double cpus_used = 0;         // workers' CPU time / wall time (2.0 = both cores)
  double max_error_pts = 0;     // largest |share - target| in percentage points
};

inline Shares shares(const std::vector<Group>& groups, const std::map<pid_t, std::uint64_t>& a,
                     const std::map<pid_t, std::uint64_t>& b, double seconds) {
  Shares s;
  double total = 0, wsum = 0;
  std::map<int, double> used;
  for (const auto& g : groups) {
    wsum += g.weight;
    for (pid_t p : g.workers) {
      double t = double(b.at(p) - a.at(p));
      used[g.id] += t;
      total += t;
    }
  }
  for (const auto& g : groups) {
    s.share[g.id] = total > 0 ? used[g.id] / total : 0;
    double err = 100.0 * std::abs(s.share[g.id] - g.weight / wsum);
    if (err > s.max_error_pts) s.max_error_pts = err;
  }
  s.cpus_used = total / double(::sysconf(_SC_CLK_TCK)) / seconds;
  return s;
}

inline void print(const char* label, const std::vector<Group>& groups, const Shares& s) {
  double wsum = 0;
  for (const auto& g : groups) wsum += g.weight;
  std::printf("%-10s", label);
  for (const auto& g : groups)
    std::printf("  w%-4u %5.1f%% (target %4.1f%%)", g.weight, 100 * s.share.at(g.id),
                100.0 * g.weight / wsum);
  std::printf("  max error %4.1f pts  workers used %.2f CPUs\n", s.max_error_pts, s.cpus_used);
}

inline std::string loadavg() {
  auto l = corral::read_file("/proc/loadavg");
  if (!l) return "?";
  return l->substr(0, l->find(' ', l->find(' ', l->find(' ') + 1) + 1));
}

inline double arg_seconds(int argc, char** argv, const char* name, double def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == name) return std::atof(argv[i + 1]);
  return def;
}

inline void sleep_for(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

}  // namespace bench
